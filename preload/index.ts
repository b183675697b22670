import { contextBridge, ipcRenderer } from 'electron'
import {
  EVENT_CHANNEL,
  requestChannel,
  type BridgeResponse,
  type HistuneApi,
  type HistuneEvent,
  type RequestArgs,
  type RequestMethod,
  type RequestResult,
} from './api'

/** One request over IPC; the main process answers with an envelope so the error keeps its code and path. */
async function request<M extends RequestMethod>(method: M, ...args: RequestArgs<M>): Promise<RequestResult<M>> {
  const response = (await ipcRenderer.invoke(requestChannel(method), ...args)) as BridgeResponse<RequestResult<M>>
  if (response.ok) return response.result
  throw response.error
}

const api = {
  loadWorkspaceText: (text, fileName) => request('loadWorkspaceText', text, fileName),
  openWorkspaceFile: (path) => request('openWorkspaceFile', path),
  showOpenDialog: () => request('showOpenDialog'),
  getSettings: () => request('getSettings'),
  setTheme: (theme) => request('setTheme', theme),
  engineInfo: () => request('engineInfo'),
  loadStudyConfigText: (text, fileName) => request('loadStudyConfigText', text, fileName),
  openStudyConfigFile: (path) => request('openStudyConfigFile', path),
  evaluateBinning: (edges) => request('evaluateBinning', edges),
  studyBaselines: () => request('studyBaselines'),
  startStudy: (options) => request('startStudy', options),
  pauseStudy: () => request('pauseStudy'),
  resumeStudy: () => request('resumeStudy'),
  cancelStudy: () => request('cancelStudy'),
  studyTrials: () => request('studyTrials'),
  exportWorkspace: (edges) => request('exportWorkspace', edges),
  onEvent: (listener) => {
    const handler = (_event: unknown, payload: HistuneEvent): void => listener(payload)
    ipcRenderer.on(EVENT_CHANNEL, handler)
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler)
    }
  },
} satisfies HistuneApi

contextBridge.exposeInMainWorld('histune', api)
