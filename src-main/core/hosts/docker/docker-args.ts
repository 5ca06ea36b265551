// A Docker worker's `args` (FleetHostSpec::Docker) are `docker run` options. Shoal understands the
// ones that make sense for an attempt and refuses anything else by name, rather than ignoring it.
// The refusal names the option only: the caller says which worker (or which spec field) it is about.
export interface ContainerExtras { env: string[]; binds: string[]; user: string | null }

export function parseDockerArgs(args: readonly string[]): ContainerExtras {
  const out: ContainerExtras = { env: [], binds: [], user: null };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new Error(`docker option ${flag} needs a value`);
      return v;
    };
    if (flag === '-e' || flag === '--env') out.env.push(value());
    else if (flag === '-v' || flag === '--volume') out.binds.push(value());
    else if (flag === '-u' || flag === '--user') out.user = value();
    else throw new Error(`docker option ${a} is not supported (use -e/--env, -v/--volume, -u/--user)`);
  }
  return out;
}
