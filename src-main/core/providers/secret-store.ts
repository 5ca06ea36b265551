// Secrets (provider API keys, MCP server environment values) are stored encrypted in the settings
// table and decrypted only in main, only when a request needs them; the renderer only ever learns
// whether one is set. The cipher is injected: Electron's safeStorage in the desktop app (see
// src-main/electron/secret-store.ts), else a random key in a file readable only by this user.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { settingFamily, type SettingsTable } from '../store/settings-table';

export interface SecretCipher {
  /** Recorded with each secret, so a secret sealed by another cipher is reported, not mis-read. */
  readonly kind: string;
  encrypt(plain: string): string;
  decrypt(sealed: string): string;
}

/** A secret held inline (a column, a JSON field) as one string, `<cipher kind>:<data>`, so one
 *  sealed by another cipher is recognised (the vault below keeps the two as separate fields). */
export function sealInline(cipher: SecretCipher, plain: string): string {
  return `${cipher.kind}:${cipher.encrypt(plain)}`;
}

/** Opens what sealInline wrote; one sealed by another cipher throws, naming it and `then` (what the
 *  person does about it). */
export function openInline(cipher: SecretCipher, sealed: string, then: string): string {
  const colon = sealed.indexOf(':');
  const kind = sealed.slice(0, colon);
  if (kind !== cipher.kind) throw new Error(`sealed by another cipher (${kind}); ${then}`);
  return cipher.decrypt(sealed.slice(colon + 1));
}

/** AES-256-GCM with a 32-byte key in `<dataDir>/secret.key`, created 0600 on first use. */
export class KeyFileCipher implements SecretCipher {
  readonly kind = 'key-file';
  readonly file: string;
  private key: Buffer | null = null;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'secret.key');
  }

  encrypt(plain: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.loadKey(true), iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  decrypt(sealed: string): string {
    const raw = Buffer.from(sealed, 'base64');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.loadKey(false), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }

  private loadKey(create: boolean): Buffer {
    if (this.key) return this.key;
    if (!fs.existsSync(this.file)) {
      if (!create) throw new Error(`the key file ${this.file} is missing`);
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      try {
        fs.writeFileSync(this.file, crypto.randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process made it first
      }
    }
    // Whoever created it, it must stay readable by this user only.
    if (process.platform !== 'win32' && (fs.statSync(this.file).mode & 0o077) !== 0) fs.chmodSync(this.file, 0o600);
    const key = Buffer.from(fs.readFileSync(this.file, 'utf8').trim(), 'hex');
    if (key.length !== 32) throw new Error(`the key file ${this.file} is damaged`);
    this.key = key;
    return key;
  }
}

interface Sealed { cipher: string; data: string }

const SECRET = settingFamily<Sealed | null>('secret:', z.object({ cipher: z.string(), data: z.string() }).nullable(), null);
export type SecretState = 'set' | 'unset' | 'unreadable';

/** Named secrets sealed with the cipher, under `secret:<name>` keys of the settings table. */
export class SecretVault {
  constructor(private readonly settings: SettingsTable, private readonly cipher: SecretCipher) {}

  state(name: string): SecretState {
    const sealed = this.settings.get(SECRET(name));
    if (!sealed) return 'unset';
    return this.get(name) === null ? 'unreadable' : 'set';
  }

  /** The secret, or null when there is none or it cannot be opened here (sealed by another cipher). */
  get(name: string): string | null {
    const sealed = this.settings.get(SECRET(name));
    if (!sealed || sealed.cipher !== this.cipher.kind) return null;
    try {
      return this.cipher.decrypt(sealed.data);
    } catch {
      return null;
    }
  }

  set(name: string, value: string): void {
    this.settings.set(SECRET(name), { cipher: this.cipher.kind, data: this.cipher.encrypt(value) } satisfies Sealed);
  }

  delete(name: string): void {
    this.settings.delete(SECRET(name));
  }
}
