/**
 * The base of every model on the page (after grafana/scenes' SceneObjectBase):
 * frozen state replaced as a whole by `set`, and subscribers told after each
 * change. A slice keeps its identity until it changes, so a view that selects
 * one slice re-renders only then.
 */
export class StateModel<S extends object> {
  private readonly listeners = new Set<() => void>();

  constructor(protected state: S) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getState = (): S => this.state;

  protected set(patch: Partial<S>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of [...this.listeners]) listener();
  }
}

/** How a model reports what its HTTP calls say about the session (a 401 means the credentials are gone). */
export interface AuthPort {
  failed(error: unknown): void;
  ok(): void;
}
