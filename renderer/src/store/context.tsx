import { createContext, useContext, type ReactNode } from 'react'
import { useStore } from 'zustand'
import type { StudioActions, StudioState, StudioStore } from './studio'

const StudioContext = createContext<StudioStore | null>(null)

export function StudioProvider({ store, children }: { store: StudioStore; children: ReactNode }) {
  return <StudioContext.Provider value={store}>{children}</StudioContext.Provider>
}

export function useStudioStore(): StudioStore {
  const store = useContext(StudioContext)
  if (store === null) throw new Error('useStudio must be used inside <StudioProvider>')
  return store
}

export function useStudio<T>(selector: (state: StudioState & StudioActions) => T): T {
  return useStore(useStudioStore(), selector)
}
