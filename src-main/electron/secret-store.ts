// The desktop app seals secrets with Electron's safeStorage (the OS keychain: Keychain, DPAPI,
// libsecret / kwallet). Where safeStorage can only fall back to a hard-coded password (Linux
// without a keyring: backend "basic_text"), it is no better than the core's 0600 key file, so the
// core's default is used instead (returns null).
import { safeStorage } from 'electron';
import type { SecretCipher } from '../core/providers/secret-store';

export function safeStorageCipher(): SecretCipher | null {
  if (!safeStorage.isEncryptionAvailable()) return null;
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return null;
  return {
    kind: 'safe-storage',
    encrypt: (plain) => safeStorage.encryptString(plain).toString('base64'),
    decrypt: (sealed) => safeStorage.decryptString(Buffer.from(sealed, 'base64')),
  };
}
