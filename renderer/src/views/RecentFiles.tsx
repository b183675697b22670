import { baseName, directoryName, formatOpenedAt } from '../format'
import { useStudio } from '../store/context'
import { FileIcon } from './icons'

export function RecentFiles() {
  const recentFiles = useStudio((s) => s.recentFiles)
  const openWorkspaceFile = useStudio((s) => s.openWorkspaceFile)
  if (recentFiles.length === 0) return null
  return (
    <nav className="recent-files" aria-labelledby="recent-files-title">
      <h2 id="recent-files-title">Recent workspaces</h2>
      <ul>
        {recentFiles.map((recent) => (
          <li key={recent.path}>
            <button
              type="button"
              className="recent-file"
              onClick={() => void openWorkspaceFile(recent.path)}
              aria-label={`Open recent workspace ${recent.path}`}
              title={recent.path}
            >
              <FileIcon className="recent-file-icon" />
              <span className="recent-file-name">{baseName(recent.path)}</span>
              {/* Left-to-right marks keep separators in place while the right-to-left box ellipsises the start. */}
              <span className="recent-file-dir">{`\u200e${directoryName(recent.path)}\u200e`}</span>
              <time className="recent-file-time" dateTime={recent.openedAt}>
                {formatOpenedAt(recent.openedAt)}
              </time>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  )
}
