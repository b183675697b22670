import { render } from '@testing-library/react'
import type { ApiHost } from '../../../renderer/src/bridge'
import { App } from '../../../renderer/src/App'
import { StudioProvider } from '../../../renderer/src/store/context'
import { createStudioStore } from '../../../renderer/src/store/studio'
import { FakeHistuneApi } from './fixtures'

/** The whole studio against a fake backend, as main.tsx mounts it. */
export function renderStudio(api = new FakeHistuneApi(), host: ApiHost = 'serve') {
  const store = createStudioStore(api, host)
  const view = render(
    <StudioProvider store={store}>
      <App />
    </StudioProvider>,
  )
  return { api, store, ...view }
}
