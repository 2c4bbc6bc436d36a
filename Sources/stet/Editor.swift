import ArgumentParser

/// `stet` and `stet FILE` land here. Placeholder until the editor is built: the editor work
/// replaces this file (and the root command's options in Stet.swift).
enum EditorEntry {
    static func run(file: String?) throws -> Never {
        let what = file.map { "cannot open \(shown($0)): " } ?? ""
        printError("stet: \(what)the editor is not built yet. Meanwhile, `stet yjs --help` lists tools for inspecting Yjs data.")
        throw ExitCode(2)
    }
}
