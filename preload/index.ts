import { contextBridge, ipcRenderer, webUtils } from 'electron'
import {
  EVENT_CHANNEL,
  requestChannel,
  type BridgeResponse,
  type HistuneApi,
  type HistuneEvent,
  type HistuneFiles,
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
  gpuStatus: () => request('gpuStatus'),
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
  studyImportances: () => request('studyImportances'),
  openStudyDatabase: (path) => request('openStudyDatabase', path),
  openStoredStudy: (path, studyName) => request('openStoredStudy', path, studyName),
  workspaceSource: () => request('workspaceSource'),
  validateWorkspaceText: (text, fileName) => request('validateWorkspaceText', text, fileName),
  saveWorkspaceFile: (path, text) => request('saveWorkspaceFile', path, text),
  describePatchset: (patchsetText, fileName) => request('describePatchset', patchsetText, fileName),
  applyPatchset: (workspaceText, patchsetText, name) => request('applyPatchset', workspaceText, patchsetText, name),
  openRootFile: (path) => request('openRootFile', path),
  uploadRootFile: (base64, fileName) => request('uploadRootFile', base64, fileName),
  summarizeRootBranch: (branch) => request('summarizeRootBranch', branch),
  draftNtupleStudy: (draft) => request('draftNtupleStudy', draft),
  onEvent: (listener) => {
    const handler = (_event: unknown, payload: HistuneEvent): void => listener(payload)
    ipcRenderer.on(EVENT_CHANNEL, handler)
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler)
    }
  },
} satisfies HistuneApi

contextBridge.exposeInMainWorld('histune', api)

/** Dropped files' real paths, so a config's relative ROOT paths resolve against its own folder. */
const files: HistuneFiles = {
  pathForFile: (file) => webUtils.getPathForFile(file as Parameters<typeof webUtils.getPathForFile>[0]),
}
contextBridge.exposeInMainWorld('histuneFiles', files)
