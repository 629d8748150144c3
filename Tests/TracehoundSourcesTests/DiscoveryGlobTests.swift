// The tailer's own glob matcher: `**`, `*`, `?`, `[...]`, escapes, and the folder states that decide where to walk.
import XCTest

@testable import TracehoundSources

final class DiscoveryGlobTests: XCTestCase {
    func testStarAndQuestionMarkStayWithinOneName() {
        let pattern = GlobPattern("/home/*/.claude/projects/*/*.jsonl")
        XCTAssertTrue(pattern.matches(path: "/home/ana/.claude/projects/p1/5e1d.jsonl"))
        XCTAssertTrue(pattern.matches(path: "/home/ana/.claude/projects/p1/.jsonl"))
        XCTAssertFalse(pattern.matches(path: "/home/ana/.claude/projects/p1/deeper/5e1d.jsonl"))
        XCTAssertFalse(pattern.matches(path: "/home/ana/.claude/projects/5e1d.jsonl"))
        XCTAssertFalse(pattern.matches(path: "/home/ana/.claude/projects/p1/5e1d.jsonl.bak"))
        XCTAssertTrue(GlobPattern("/l/app-?.log").matches(path: "/l/app-é.log"))
        XCTAssertFalse(GlobPattern("/l/app-?.log").matches(path: "/l/app-10.log"))
        XCTAssertTrue(GlobPattern("/l/*a*b*c").matches(path: "/l/xxaxxbxxbxc"))
        XCTAssertFalse(GlobPattern("/l/*a*b*c").matches(path: "/l/xxaxxbxxbx"))
    }

    func testDoubleStarMatchesAnyNumberOfFoldersIncludingNone() {
        let pattern = GlobPattern("/home/*/.codex/sessions/**/*.jsonl")
        XCTAssertTrue(pattern.matches(path: "/home/ana/.codex/sessions/rollout.jsonl"))
        XCTAssertTrue(pattern.matches(path: "/home/ana/.codex/sessions/2026/05/01/rollout.jsonl"))
        XCTAssertFalse(pattern.matches(path: "/home/ana/.codex/other/2026/rollout.jsonl"))
        XCTAssertFalse(pattern.matches(path: "/home/ana/.codex/sessions/2026/rollout.txt"))
        XCTAssertTrue(GlobPattern("/var/log/**").matches(path: "/var/log/a/b/c.log"))
        XCTAssertTrue(GlobPattern("/a/**/**/b/*.log").matches(path: "/a/x/y/b/z.log"))
        XCTAssertTrue(GlobPattern("/a/**/b/*.log").matches(path: "/a/b/z.log"))
    }

    func testBracketSetsRangesNegationAndEscapes() {
        XCTAssertTrue(GlobPattern("/l/app.[0-9].log").matches(path: "/l/app.7.log"))
        XCTAssertFalse(GlobPattern("/l/app.[0-9].log").matches(path: "/l/app.x.log"))
        XCTAssertTrue(GlobPattern("/l/app.[!0-9].log").matches(path: "/l/app.x.log"))
        XCTAssertFalse(GlobPattern("/l/app.[^0-9].log").matches(path: "/l/app.3.log"))
        XCTAssertTrue(GlobPattern("/l/[]x]").matches(path: "/l/]"))
        XCTAssertTrue(GlobPattern("/l/a\\*b").matches(path: "/l/a*b"))
        XCTAssertFalse(GlobPattern("/l/a\\*b").matches(path: "/l/axxb"))
        // An unclosed bracket is an ordinary character, as in glob(3).
        XCTAssertTrue(GlobPattern("/l/a[b").matches(path: "/l/a[b"))
    }

    func testAPatternWithoutSlashMatchesTheFileNameAlone() {
        let exclude = GlobPattern("*.gz")
        XCTAssertTrue(exclude.matches(path: "/var/log/app.log.1.gz"))
        XCTAssertFalse(exclude.matches(path: "/var/log/app.log"))
    }

    func testFolderStatesSayWhereMatchesCanStillBe() {
        let pattern = GlobPattern("/home/*/.codex/sessions/**/*.jsonl")
        XCTAssertEqual(pattern.literalPrefixCount, 1)
        XCTAssertEqual(pattern.folderPath(depth: pattern.literalPrefixCount), "/home")
        var state = pattern.state(atLiteralDepth: 1)
        state = pattern.step(state, Array("ana".unicodeScalars))
        XCTAssertTrue(pattern.mayHoldMatchingFolders(state))
        XCTAssertFalse(pattern.mayHoldMatchingFiles(state))
        let documents = pattern.step(state, Array("Documents".unicodeScalars))
        XCTAssertEqual(documents, 0, "a folder off the pattern is neither walked nor watched")
        state = pattern.step(state, Array(".codex".unicodeScalars))
        state = pattern.step(state, Array("sessions".unicodeScalars))
        XCTAssertTrue(pattern.mayHoldMatchingFiles(state))
        XCTAssertTrue(pattern.mayHoldMatchingFolders(state))
        let day = pattern.step(pattern.step(state, Array("2026".unicodeScalars)), Array("05".unicodeScalars))
        XCTAssertTrue(pattern.mayHoldMatchingFiles(day))
        XCTAssertTrue(pattern.accepts(pattern.step(day, Array("x.jsonl".unicodeScalars))))
    }

    func testAPatternWithoutWildcardsStartsWalkingInItsFolder() {
        let pattern = GlobPattern("/var/log/agent/app.log")
        XCTAssertEqual(pattern.folderPath(depth: pattern.literalPrefixCount), "/var/log/agent")
        let state = pattern.state(atLiteralDepth: pattern.literalPrefixCount)
        XCTAssertTrue(pattern.mayHoldMatchingFiles(state))
        XCTAssertFalse(pattern.mayHoldMatchingFolders(state))
        XCTAssertTrue(pattern.accepts(pattern.step(state, Array("app.log".unicodeScalars))))
    }
}
