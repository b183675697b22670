import type {
  ApiError,
  EngineInfo,
  HistuneApi,
  HistuneEvent,
  Settings,
  Theme,
  Unsubscribe,
  WorkspaceSummary,
} from '../../../preload/api'

/** A two-channel signal-region/control-region workspace, summarised as the backend would. */
export function twoChannelSummary(file = 'analysis/sr_cr_workspace.json'): WorkspaceSummary {
  const signal = {
    name: 'signal',
    channel: 'SR',
    yields: [5, 10, 3.2],
    total: 18.2,
    modifiers: [
      { name: 'mu', type: 'normfactor' as const },
      { name: 'lumi', type: 'lumi' as const },
    ],
  }
  const backgroundSR = {
    name: 'ttbar',
    channel: 'SR',
    yields: [50.3, 40.1, 20.5],
    total: 110.9,
    modifiers: [
      { name: 'ttbar_norm', type: 'normsys' as const },
      { name: 'staterror_SR', type: 'staterror' as const },
    ],
  }
  const backgroundCR = {
    name: 'ttbar',
    channel: 'CR',
    yields: [100, 80],
    total: 180,
    modifiers: [
      { name: 'ttbar_norm', type: 'normsys' as const },
      { name: 'uncorr_bkguncrt', type: 'shapesys' as const },
    ],
  }
  return {
    file,
    version: '1.0.0',
    measurement: 'NormalMeasurement',
    measurements: [
      { name: 'NormalMeasurement', poi: 'mu' },
      { name: 'BkgOnly', poi: 'ttbar_norm' },
    ],
    poi: 'mu',
    channels: [
      { name: 'SR', nBins: 3, observed: [53, 52, 24], samples: [signal, backgroundSR] },
      { name: 'CR', nBins: 2, observed: [104, 77], samples: [backgroundCR] },
    ],
    samples: [signal, backgroundSR, backgroundCR],
    modifiers: [
      { type: 'normfactor', count: 1, names: ['mu'] },
      { type: 'lumi', count: 1, names: ['lumi'] },
      { type: 'normsys', count: 2, names: ['ttbar_norm'] },
      { type: 'staterror', count: 1, names: ['staterror_SR'] },
      { type: 'shapesys', count: 1, names: ['uncorr_bkguncrt'] },
    ],
    parameters: [
      {
        name: 'lumi',
        componentNames: ['lumi'],
        modifierType: 'lumi',
        n: 1,
        inits: [1],
        bounds: [[0.5, 1.5]],
        fixed: false,
        constraint: 'normal',
        auxdata: [1],
      },
      {
        name: 'mu',
        componentNames: ['mu'],
        modifierType: 'normfactor',
        n: 1,
        inits: [1],
        bounds: [[0, 10]],
        fixed: false,
        constraint: null,
        auxdata: [],
      },
      {
        name: 'staterror_SR',
        componentNames: ['staterror_SR[0]', 'staterror_SR[1]', 'staterror_SR[2]'],
        modifierType: 'staterror',
        n: 3,
        inits: [1, 1, 1],
        bounds: [
          [1e-10, 10],
          [1e-10, 10],
          [1e-10, 10],
        ],
        fixed: false,
        constraint: 'normal',
        auxdata: [1, 1, 1],
      },
      {
        name: 'ttbar_norm',
        componentNames: ['ttbar_norm'],
        modifierType: 'normsys',
        n: 1,
        inits: [0],
        bounds: [[-5, 5]],
        fixed: true,
        constraint: 'normal',
        auxdata: [0],
      },
      {
        name: 'uncorr_bkguncrt',
        componentNames: ['uncorr_bkguncrt[0]', 'uncorr_bkguncrt[1]'],
        modifierType: 'shapesys',
        n: 2,
        inits: [1, 1],
        bounds: [
          [1e-10, 10],
          [1e-10, 10],
        ],
        fixed: false,
        constraint: 'poisson',
        auxdata: [1111.1, 711.1],
      },
    ],
    nParameters: 8,
    nBins: 5,
  }
}

export const syntaxError: ApiError = {
  code: 'E_JSON_SYNTAX',
  message: "Expected ',' or '}' after property value",
  file: 'broken_workspace.json',
  line: 17,
  path: 'channels[0].samples[1].data',
}

interface Deferred<T> {
  promise: Promise<T>
  resolve(value: T): void
  reject(reason: unknown): void
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** An in-memory backend: records every request and answers with what the test queued. */
export class FakeHistuneApi implements HistuneApi {
  readonly calls: { method: string; args: unknown[] }[] = []
  settings: Settings = { theme: 'light', recentFiles: [] }
  /** Answer to the next load-like request; a function to make each answer depend on the input. */
  respond: (method: string, args: unknown[]) => Promise<WorkspaceSummary | null> = async () =>
    twoChannelSummary()
  setThemeFailure: ApiError | null = null
  readonly listeners = new Set<(event: HistuneEvent) => void>()

  loadWorkspaceText(text: string, fileName?: string): Promise<WorkspaceSummary> {
    this.calls.push({ method: 'loadWorkspaceText', args: [text, fileName] })
    return this.respond('loadWorkspaceText', [text, fileName]) as Promise<WorkspaceSummary>
  }
  openWorkspaceFile(path: string): Promise<WorkspaceSummary> {
    this.calls.push({ method: 'openWorkspaceFile', args: [path] })
    return this.respond('openWorkspaceFile', [path]) as Promise<WorkspaceSummary>
  }
  showOpenDialog(): Promise<WorkspaceSummary | null> {
    this.calls.push({ method: 'showOpenDialog', args: [] })
    return this.respond('showOpenDialog', [])
  }
  async getSettings(): Promise<Settings> {
    this.calls.push({ method: 'getSettings', args: [] })
    return this.settings
  }
  async setTheme(theme: Theme): Promise<Settings> {
    this.calls.push({ method: 'setTheme', args: [theme] })
    if (this.setThemeFailure) throw this.setThemeFailure
    this.settings = { ...this.settings, theme }
    return this.settings
  }
  engine: EngineInfo = { version: '0.1.0', host: 'electron', maxWorkspaceBytes: 64_000_000 }

  async engineInfo(): Promise<EngineInfo> {
    this.calls.push({ method: 'engineInfo', args: [] })
    return this.engine
  }
  onEvent(listener: (event: HistuneEvent) => void): Unsubscribe {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit(event: HistuneEvent): void {
    for (const listener of this.listeners) listener(event)
  }

  callsTo(method: keyof HistuneApi): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args)
  }
}

/** A File as a drop or a file input delivers it. jsdom lacks `Blob.text()`, so it reads via FileReader there. */
export function workspaceFile(content: string, name: string): File {
  const file = new File([content], name, { type: 'application/json' })
  if (typeof file.text !== 'function') {
    Object.defineProperty(file, 'text', {
      configurable: true,
      value: () =>
        new Promise<string>((resolve, reject) => {
          const reader = new FileReader()
          reader.onload = () => resolve(reader.result as string)
          reader.onerror = () => reject(reader.error)
          reader.readAsText(file)
        }),
    })
  }
  return file
}
