import type { RecentStudy } from '../../../preload/api'
import { baseName, directoryName, formatOpenedAt } from '../format'
import { useStudio } from '../store/context'
import { FileIcon } from './icons'

function RecentButton({
  path,
  title,
  detail,
  openedAt,
  label,
  onOpen,
  testId,
}: {
  path: string
  title: string
  detail?: string
  openedAt: string
  label: string
  onOpen: () => void
  testId: string
}) {
  return (
    <button type="button" className="recent-file" onClick={onOpen} aria-label={label} title={path} data-testid={testId}>
      <FileIcon className="recent-file-icon" />
      <span className="recent-file-name">
        {title}
        {detail && <span className="recent-file-detail"> · {detail}</span>}
      </span>
      {/* Left-to-right marks keep separators in place while the right-to-left box ellipsises the start. */}
      <span className="recent-file-dir">{`\u200e${directoryName(path)}\u200e`}</span>
      <time className="recent-file-time" dateTime={openedAt}>
        {formatOpenedAt(openedAt)}
      </time>
    </button>
  )
}

function studyTitle(recent: RecentStudy): { title: string; detail: string } {
  if (recent.kind === 'database') return { title: recent.studyName ?? baseName(recent.path), detail: `study in ${baseName(recent.path)}` }
  return { title: baseName(recent.path), detail: 'study config' }
}

/** Recently opened workspaces. */
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
            <RecentButton
              path={recent.path}
              title={baseName(recent.path)}
              openedAt={recent.openedAt}
              label={`Open recent workspace ${recent.path}`}
              onOpen={() => void openWorkspaceFile(recent.path)}
              testId="recent-workspace"
            />
          </li>
        ))}
      </ul>
    </nav>
  )
}

/** Recently opened study configs and stored studies; a stored study reopens with its trials, ready to continue. */
export function RecentStudies() {
  const recentStudies = useStudio((s) => s.recentStudies)
  const openRecentStudy = useStudio((s) => s.openRecentStudy)
  if (recentStudies.length === 0) return null
  return (
    <nav className="recent-files" aria-labelledby="recent-studies-title">
      <h2 id="recent-studies-title">Recent studies</h2>
      <ul>
        {recentStudies.map((recent) => {
          const { title, detail } = studyTitle(recent)
          return (
            <li key={`${recent.kind}:${recent.path}:${recent.studyName ?? ''}`}>
              <RecentButton
                path={recent.path}
                title={title}
                detail={detail}
                openedAt={recent.openedAt}
                label={recent.kind === 'database' ? `Reopen study ${title} from ${recent.path}` : `Open recent study config ${recent.path}`}
                onOpen={() => void openRecentStudy(recent)}
                testId="recent-study"
              />
            </li>
          )
        })}
      </ul>
    </nav>
  )
}
