/** What the views may ask of the engine. They never touch the monitor directly. */
export interface FleetActions {
  checkNow(name?: string): void;
  toggleDrain(name: string): void;
  setIntervalMs(ms: number): void;
  setPaused(paused: boolean): void;
  quit(): void;
}

/** What the header shows about the program itself. */
export interface AppMeta {
  version: string;
  /** Where the config came from, as the user would recognise it. */
  source: string;
  /** What to say of GPUs when there is no reading: "no GPU tool found", "GPUs turned off". */
  gpuNote?: string;
}
