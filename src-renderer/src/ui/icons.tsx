// A handful of 16px line icons, drawn inline so the renderer needs no icon font or asset requests.
import type { ReactNode, SVGProps } from 'react';

type IconProps = SVGProps<SVGSVGElement> & { size?: number };

function Svg({ size = 16, children, ...rest }: IconProps & { children: ReactNode }) {
  return (
    <svg width={size} height={size} viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth={1.4}
      strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false" {...rest}>
      {children}
    </svg>
  );
}

export const RunsIcon = (p: IconProps) => (
  <Svg {...p}><path d="M2.5 4h2M2.5 8h2M2.5 12h2M7 4h6.5M7 8h6.5M7 12h4" /></Svg>
);
export const WorkersIcon = (p: IconProps) => (
  <Svg {...p}><rect x="2" y="2.5" width="12" height="4.5" rx="1.2" /><rect x="2" y="9" width="12" height="4.5" rx="1.2" /><path d="M4.5 4.75h.01M4.5 11.25h.01" strokeWidth={2} /></Svg>
);
export const ThreadsIcon = (p: IconProps) => (
  <Svg {...p}><path d="M2.5 3.5a1 1 0 0 1 1-1h9a1 1 0 0 1 1 1v6.5a1 1 0 0 1-1 1H7l-3 2.5V11h-.5a1 1 0 0 1-1-1z" /></Svg>
);
export const JobsIcon = (p: IconProps) => (
  <Svg {...p}><circle cx="8" cy="8" r="5.75" /><path d="M8 4.75V8l2.25 1.5" /></Svg>
);
export const ApprovalsIcon = (p: IconProps) => (
  <Svg {...p}><path d="M8 1.75 13 3.5v4c0 3-2.2 5.3-5 6.75C5.2 12.8 3 10.5 3 7.5v-4z" /><path d="m5.75 8 1.6 1.6 3-3.2" /></Svg>
);
export const SettingsIcon = (p: IconProps) => (
  <Svg {...p}><circle cx="8" cy="8" r="2" /><path d="M8 1.75v1.5M8 12.75v1.5M14.25 8h-1.5M3.25 8h-1.5M12.42 3.58l-1.06 1.06M4.64 11.36l-1.06 1.06M12.42 12.42l-1.06-1.06M4.64 4.64 3.58 3.58" /></Svg>
);
export const OpenIcon = (p: IconProps) => (
  <Svg {...p}><path d="M2 4.5a1 1 0 0 1 1-1h3l1.5 1.5H13a1 1 0 0 1 1 1V12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1z" /></Svg>
);
export const DropIcon = (p: IconProps) => (
  <Svg {...p}><path d="M8 2v8M4.75 6.75 8 10l3.25-3.25M2.5 11.5v1a1 1 0 0 0 1 1h9a1 1 0 0 0 1-1v-1" /></Svg>
);
export const AlertIcon = (p: IconProps) => (
  <Svg {...p}><path d="M8 2.25 14.25 13H1.75z" /><path d="M8 6.5v3M8 11.25h.01" /></Svg>
);
export const ChevronIcon = (p: IconProps) => (
  <Svg {...p}><path d="m6 3.5 4.5 4.5L6 12.5" /></Svg>
);
export const CopyIcon = (p: IconProps) => (
  <Svg {...p}><rect x="5.5" y="5.5" width="8" height="8" rx="1.2" /><path d="M10.5 5.5V3.5a1 1 0 0 0-1-1h-6a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h2" /></Svg>
);

/** The Shoal mark: three fish-like strokes schooling in one direction. */
export const ShoalMark = (p: IconProps) => (
  <Svg {...p} strokeWidth={1.6}>
    <path d="M2 5.5c1.8-1.6 4.2-1.6 6 0-1.8 1.6-4.2 1.6-6 0ZM8 5.5l1.5-1v2z" />
    <path d="M6 10.5c1.8-1.6 4.2-1.6 6 0-1.8 1.6-4.2 1.6-6 0ZM12 10.5l1.5-1v2z" />
  </Svg>
);
