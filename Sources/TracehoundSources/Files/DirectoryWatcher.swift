// Discovery: the folders that can hold matches are walked and watched with inotify, and inotify's events are turned
// into notices about paths. Each watched folder keeps its glob states (one bit set per include pattern), so a name
// created in it is matched with one step, and a new sub-folder (Codex's YYYY/MM/DD) is walked from there.
//
// A folder is watched before it is listed: a file created in between shows up in the listing or as an event (or
// both; the source treats a second sighting as a no-op). Folders that can only hold matching folders are watched
// for names coming and going, not for writes, so `/home` does not wake the tailer on every write in it. Symbolic
// links to folders are not followed (`**` would loop); links to files are.
import TracehoundPosix

#if canImport(Glibc)
import Glibc
#endif

/// A regular file that an include pattern matches and no exclude pattern does.
struct FoundFile {
    var path: String
    var status: FileStatus
}

/// What happened to one path in a watched folder.
struct PathNotice {
    enum Kind {
        case created
        case movedIn
        case changed
        case deleted
        case movedOut
    }

    var kind: Kind
    var path: String
    /// Whether the include patterns match the path (and no exclude pattern does).
    var matches: Bool
}

/// What a batch of inotify events means, in order.
enum FolderChange {
    case path(PathNotice)
    /// A new folder was walked: these files were in it (and in its sub-folders) already.
    case found([FoundFile])
    /// A watched folder went away or moved: its files need a rescan to be found again, or released.
    case folderLeft(String)
    case overflow
}

final class DirectoryWatcher {
    struct Watched {
        var path: String
        var states: [UInt64]
        var mask: Inotify.Mask
    }

    let inotify: Inotify
    let includes: [GlobPattern]
    let excludes: [GlobPattern]
    var events: (any FileSourceInternalEvents)?
    private(set) var byWatch: [Int32: Watched] = [:]
    private var watchByPath: [String: Int32] = [:]

    init(inotify: Inotify, includes: [GlobPattern], excludes: [GlobPattern]) {
        self.inotify = inotify
        self.includes = includes
        self.excludes = excludes
    }

    var watchedFolderCount: Int { byWatch.count }

    func isExcluded(_ path: String) -> Bool {
        excludes.contains { $0.matches(path: path) }
    }

    /// Walks every include pattern from its root (or the deepest existing ancestor of it), watching as it goes.
    func scanAll() -> [FoundFile] {
        var visited: [String: [UInt64]] = [:]
        var found: [FoundFile] = []
        for (index, pattern) in includes.enumerated() where !pattern.components.isEmpty {
            var depth = pattern.literalPrefixCount
            while depth > 0 && !Self.isFolder(pattern.folderPath(depth: depth)) { depth -= 1 }
            var states = [UInt64](repeating: 0, count: includes.count)
            states[index] = pattern.state(atLiteralDepth: depth)
            walk(pattern.folderPath(depth: depth), states, &visited, &found)
        }
        return found
    }

    /// Turns inotify events into notices, walking folders that appeared.
    func translate(_ events: [Inotify.Event]) -> [FolderChange] {
        var changes: [FolderChange] = []
        for event in events {
            if event.mask.contains(.overflow) {
                changes.append(.overflow)
                continue
            }
            guard let folder = byWatch[event.watch] else { continue }
            if event.name.isEmpty {
                // The watched folder itself was deleted, moved or unwatched.
                if !event.mask.isDisjoint(with: [.deleteSelf, .moveSelf, .ignored]) {
                    forgetTree(folder.path)
                    changes.append(.folderLeft(folder.path))
                }
                continue
            }
            let path = DirectoryListing.join(folder.path, event.name)
            if event.mask.contains(.isDirectory) {
                if !event.mask.isDisjoint(with: [.create, .movedTo]) {
                    let states = childStates(folder.states, Array(event.name.unicodeScalars))
                    guard states.contains(where: { $0 != 0 }) else { continue }
                    var visited: [String: [UInt64]] = [:]
                    var found: [FoundFile] = []
                    walk(path, states, &visited, &found)
                    changes.append(.found(found))
                } else if !event.mask.isDisjoint(with: [.delete, .movedFrom]) {
                    forgetTree(path)
                    changes.append(.folderLeft(path))
                }
                continue
            }
            let matches = fileMatches(event.name, in: folder.states) && !isExcluded(path)
            let kind: PathNotice.Kind
            if event.mask.contains(.create) {
                kind = .created
            } else if event.mask.contains(.movedTo) {
                kind = .movedIn
            } else if event.mask.contains(.delete) {
                kind = .deleted
            } else if event.mask.contains(.movedFrom) {
                kind = .movedOut
            } else if !event.mask.isDisjoint(with: [.modify, .closeWrite]) {
                kind = .changed
            } else {
                continue
            }
            changes.append(.path(PathNotice(kind: kind, path: path, matches: matches)))
        }
        return changes
    }

    // MARK: - Walking

    private func walk(
        _ folder: String,
        _ states: [UInt64],
        _ visited: inout [String: [UInt64]],
        _ found: inout [FoundFile]
    ) {
        var fresh = states
        if let seen = visited[folder] {
            fresh = zip(states, seen).map { $0 & ~$1 }
            guard fresh.contains(where: { $0 != 0 }) else { return }
            visited[folder] = zip(states, seen).map { $0 | $1 }
        } else {
            visited[folder] = states
        }
        watch(folder, visited[folder]!)
        let entries: [DirectoryEntry]
        do {
            entries = try DirectoryListing.entries(of: folder)
        } catch {
            // A folder that vanished meanwhile is not worth a report.
            if error.code != ENOENT && error.code != ENOTDIR {
                events?.directoryUnreadable(path: folder, reason: error)
            }
            return
        }
        for entry in entries {
            let path = DirectoryListing.join(folder, entry.name)
            var kind = entry.kind
            if kind == .unknown {
                guard let status = try? FileStatus.ofLink(path) else { continue }
                kind = status.isDirectory ? .directory : status.isRegularFile ? .regularFile : .symbolicLink
            }
            let name = Array(entry.name.unicodeScalars)
            switch kind {
            case .directory:
                let child = childStates(fresh, name)
                if child.contains(where: { $0 != 0 }) { walk(path, child, &visited, &found) }
            case .regularFile, .symbolicLink:
                guard fileMatches(name, in: fresh), !isExcluded(path) else { continue }
                // stat follows a link; what it points to must be a regular file.
                guard let status = try? FileStatus.of(path), status.isRegularFile else { continue }
                found.append(FoundFile(path: path, status: status))
            case .other, .unknown:
                continue
            }
        }
    }

    /// The states of a sub-folder named `name`; zero for patterns that cannot match anything below it.
    private func childStates(_ states: [UInt64], _ name: [Unicode.Scalar]) -> [UInt64] {
        var child = [UInt64](repeating: 0, count: states.count)
        for index in states.indices where states[index] != 0 {
            let pattern = includes[index]
            guard pattern.mayHoldMatchingFolders(states[index]) else { continue }
            let next = pattern.step(states[index], name)
            if pattern.mayHoldMatchingFiles(next) || pattern.mayHoldMatchingFolders(next) { child[index] = next }
        }
        return child
    }

    private func fileMatches(_ name: String, in states: [UInt64]) -> Bool {
        fileMatches(Array(name.unicodeScalars), in: states)
    }

    private func fileMatches(_ name: [Unicode.Scalar], in states: [UInt64]) -> Bool {
        states.indices.contains { index in
            let pattern = includes[index]
            return states[index] != 0 && pattern.mayHoldMatchingFiles(states[index])
                && pattern.accepts(pattern.step(states[index], name))
        }
    }

    // MARK: - Watches

    private func watch(_ folder: String, _ states: [UInt64]) {
        var mask: Inotify.Mask = [.create, .movedTo, .movedFrom, .delete, .deleteSelf, .moveSelf, .onlyDirectories]
        if states.indices.contains(where: { includes[$0].mayHoldMatchingFiles(states[$0]) }) {
            mask.formUnion([.modify, .closeWrite])
        }
        if let existing = watchByPath[folder], let watched = byWatch[existing], watched.mask == mask {
            byWatch[existing]?.states = states
            return
        }
        do {
            let watch = try inotify.addWatch(folder, mask: mask)
            // The same folder under another path (moved meanwhile): the new path wins.
            if let old = byWatch[watch], old.path != folder { watchByPath[old.path] = nil }
            byWatch[watch] = Watched(path: folder, states: states, mask: mask)
            watchByPath[folder] = watch
        } catch {
            if error.code != ENOENT && error.code != ENOTDIR { events?.watchFailed(path: folder, reason: error) }
        }
    }

    /// Drops the watches of `path` and every folder below it.
    private func forgetTree(_ path: String) {
        let below = path.hasSuffix("/") ? path : path + "/"
        for (watch, watched) in byWatch where watched.path == path || watched.path.hasPrefix(below) {
            byWatch[watch] = nil
            watchByPath[watched.path] = nil
            try? inotify.removeWatch(watch)
        }
    }

    private static func isFolder(_ path: String) -> Bool {
        (try? FileStatus.of(path))?.isDirectory ?? false
    }
}
