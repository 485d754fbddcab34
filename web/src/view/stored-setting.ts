/**
 * Layout choices (split size, collapsed panels) kept in localStorage, so a
 * reload keeps the operator's layout. Storage may be unavailable (private
 * mode, a sandboxed frame): then the choice lives only in this tab.
 */
import { useCallback, useState } from 'react';

const PREFIX = 'ka.layout.';

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(PREFIX + key);
  } catch {
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    window.localStorage.setItem(PREFIX + key, value);
  } catch {
    // Not stored: the setting still applies to this tab.
  }
}

/** A setting read once from storage (`parse` returns null for anything it does not accept) and written on every change. */
export function useStoredSetting<T>(key: string, fallback: T, parse: (text: string) => T | null, format: (value: T) => string = String): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => {
    const text = read(key);
    return (text === null ? null : parse(text)) ?? fallback;
  });
  const update = useCallback(
    (next: T) => {
      setValue(next);
      write(key, format(next));
    },
    [key, format],
  );
  return [value, update];
}

export const parseBoolean = (text: string): boolean | null => (text === 'true' ? true : text === 'false' ? false : null);
