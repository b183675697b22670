// React Fast Refresh set up from a module: the CSP blocks the inline preamble Vite would inject in dev.
// It is empty in production builds.
import '@vitejs/plugin-react/preamble'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { getApi, getApiHost } from './bridge'
import { StudioProvider } from './store/context'
import { createStudioStore } from './store/studio'
import './styles.css'

const store = createStudioStore(getApi(), getApiHost(), {
  pathForFile: window.histuneFiles ? (file) => window.histuneFiles?.pathForFile(file) ?? null : undefined,
})
const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')

createRoot(root).render(
  <StrictMode>
    <StudioProvider store={store}>
      <App />
    </StudioProvider>
  </StrictMode>,
)
