import BenchSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Time to first screen of a terminal program, measured from outside as a user would see it:
/// the program starts in a detached 80x24 tmux pane and `capture-pane -p` is polled until the
/// file's first line is on screen (polling backs off as time passes, see `firstScreen`). The tmux server is started beforehand (with a placeholder
/// session) so that its start-up is not counted; a `head FILE` pane measures the floor of the
/// method (tmux creating the pane, the shell, the polling).
final class TmuxBench {
    let tmux: String
    let socket: String
    var ok = false

    init?(socket: String) {
        guard let t = which("tmux") else { return nil }
        tmux = t
        self.socket = socket
    }

    func tm(_ args: [String]) -> (status: Int32, out: String) { run([tmux, "-L", socket, "-f", "/dev/null"] + args) }

    /// Starts the server with a placeholder session that keeps it alive between runs.
    func start() -> Bool {
        _ = tm(["kill-server"])
        ok = tm(["new-session", "-d", "-s", "hold", "-x", "80", "-y", "24", "sleep 86400"]).status == 0
        return ok
    }

    /// Ends the server and removes its socket file (tmux leaves it behind).
    func stop() {
        _ = tm(["kill-server"])
        let dir = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        unlink("\(dir)/tmux-\(getuid())/\(socket)")
    }

    struct Result {
        var ms: Double
        /// RSS of the pane's process tree when the first line was seen, and its peak so far.
        var rss: Int?
        var peak: Int?
    }

    /// Starts `command` in a new 80x24 session and waits until `marker` is on screen.
    /// `quit` is what to type to leave it (send-keys arguments); the session is killed if it
    /// has not ended a few seconds later. Returns nil on timeout.
    func firstScreen(command: String, marker: String, quit: [String], timeoutMs: Double = 60_000) -> Result? {
        let name = "run"
        _ = tm(["kill-session", "-t", name])
        let t0 = nowNs()
        guard tm(["new-session", "-d", "-s", name, "-x", "80", "-y", "24", command]).status == 0 else { return nil }
        var seen: Double?
        while msSince(t0) < timeoutMs {
            let cap = tm(["capture-pane", "-p", "-t", name])
            if cap.out.contains(marker) { seen = msSince(t0); break }
            if cap.status != 0 { break }  // the program exited
            // Each poll spawns a tmux client and wakes the server: on a small machine that
            // competes with the program measured. Sleep a twentieth of the time so far (at
            // most 25 ms): the error stays under ~5% and a slow start is not slowed further.
            sleepMs(min(msSince(t0) / 20, 25))
        }
        var rss: Int?, peak: Int?
        if seen != nil, let pid = Int32(tm(["display-message", "-p", "-t", name, "#{pane_pid}"]).out.trimmingCharacters(in: .whitespacesAndNewlines)) {
            rss = treeMemory(pid: pid)
            peak = treeMemory(pid: pid, field: "VmHWM:")
        }
        // Leave politely (vim removes its swap file, stet syncs its store), then make sure.
        if !quit.isEmpty { _ = tm(["send-keys", "-t", name] + quit) }
        let q0 = nowNs()
        while msSince(q0) < 5_000 && tm(["has-session", "-t", name]).status == 0 { sleepMs(5) }
        _ = tm(["kill-session", "-t", name])
        return seen.map { Result(ms: $0, rss: rss, peak: peak) }
    }
}

struct PeerRow {
    var name: String
    var results: [TmuxBench.Result]
    var missing: String?
    var msMin: Double? { results.map(\.ms).min() }
    var msMedian: Double? { median(results.map(\.ms)) }
    var rssMedian: Int? { median(results.compactMap(\.rss).map(Double.init)).map { Int($0) } }
    var peakMedian: Int? { median(results.compactMap(\.peak).map(Double.init)).map { Int($0) } }
}

/// vim, nano (if installed), and the real `stet` binary (cold: a fresh copy without a store
/// each run; warm: the store exists), plus the floor of the method, `runs` times each,
/// interleaved so that noise hits everyone alike.
func measurePeers(bytes: [UInt8], workDir: String, name: String, marker: String, stet: String?, runs: Int) throws -> [PeerRow]? {
    guard let t = TmuxBench(socket: "stet-editor-bench-\(getpid())") else { return nil }
    guard t.start() else { return nil }
    defer { t.stop() }
    let dir = "\(workDir)/peers"
    try makeDirectory(dir)
    let file = "\(dir)/\(name)"
    try writeFile(file, bytes)
    let q = shellQuote(file)
    var rows: [PeerRow] = []
    rows.append(PeerRow(name: "floor: head FILE", results: []))
    rows.append(PeerRow(name: "vim -u NONE -N", results: [], missing: which("vim") == nil ? "not installed" : nil))
    rows.append(PeerRow(name: "nano", results: [], missing: which("nano") == nil ? "not installed" : nil))
    rows.append(PeerRow(name: "stet (cold: no store)", results: [], missing: stet == nil ? "binary not found (--stet PATH)" : nil))
    rows.append(PeerRow(name: "stet (warm: store)", results: [], missing: stet == nil ? "binary not found (--stet PATH)" : nil))
    var warmFile: String?
    for i in 0..<runs {
        if let r = t.firstScreen(command: "head -n 3 \(q); exec sleep 86400", marker: marker, quit: ["C-c"]) {
            rows[0].results.append(r)
        }
        if rows[1].missing == nil {
            if let r = t.firstScreen(command: "exec vim -u NONE -N \(q)", marker: marker, quit: ["Escape", ":qa!", "Enter"]) {
                rows[1].results.append(r)
            } else { note("  vim: first line not seen within the timeout") }
            // A killed vim leaves a swap file that would make the next run ask about it.
            removeTree("\(dir)/.\(name).swp")
        }
        if rows[2].missing == nil {
            if let r = t.firstScreen(command: "exec nano \(q)", marker: marker, quit: ["C-x"]) {
                rows[2].results.append(r)
            }
        }
        if let stet {
            // Cold: a fresh folder and copy every run.
            let cdir = "\(workDir)/peers-stet-cold-\(i)"
            try makeDirectory(cdir)
            let cfile = "\(cdir)/\(name)"
            try writeFile(cfile, bytes)
            if let r = t.firstScreen(command: "exec \(shellQuote(stet)) \(shellQuote(cfile))", marker: marker, quit: ["C-q"]) {
                rows[3].results.append(r)
            } else { note("  stet (cold): first line not seen within the timeout") }
            if let w = warmFile { removeTree(URL(fileURLWithPath: w).deletingLastPathComponent().path) }
            warmFile = cfile
            // Warm: the copy just opened, whose store now exists.
            if let r = t.firstScreen(command: "exec \(shellQuote(stet)) \(shellQuote(cfile))", marker: marker, quit: ["C-q"]) {
                rows[4].results.append(r)
            } else { note("  stet (warm): first line not seen within the timeout") }
        }
        note("  tmux round \(i + 1)/\(runs): " + rows.filter { $0.missing == nil }.map { "\($0.name) \($0.results.last.map { fmtMs($0.ms) } ?? "–")" }.joined(separator: ", "))
    }
    return rows
}
