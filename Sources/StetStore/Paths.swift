#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// String path helpers (no Foundation). Paths are handled as Swift strings, so a file name that
/// is not valid UTF-8 cannot be named (a known limitation of the module).
public enum Paths {
    /// Splits a path into its directory and last component: `"a/b.md"` → `("a", "b.md")`,
    /// `"b.md"` → `(".", "b.md")`, `"/b.md"` → `("/", "b.md")`. Trailing slashes are ignored.
    public static func split(_ path: String) -> (directory: String, name: String) {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return (".", String(p)) }
        let name = String(p[p.index(after: slash)...])
        let dir = p[..<slash]
        return (dir.isEmpty ? "/" : String(dir), name)
    }

    /// `path` made absolute against the current directory (no `..` folding, no symlink
    /// resolution). Returns `path` unchanged when it is already absolute or the current
    /// directory cannot be determined.
    public static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let cwd = Sys.currentDirectory() else { return path }
        var p = Substring(path)
        while p.hasPrefix("./") { p = p.dropFirst(2) }
        if p.isEmpty || p == "." { return cwd }
        return cwd == "/" ? "/" + p : cwd + "/" + p
    }

    /// Joins a directory and a name.
    static func join(_ dir: String, _ name: String) -> String {
        dir.hasSuffix("/") ? dir + name : dir + "/" + name
    }

    /// Follows symlinks in the *last* component of `path` until it names something that is not
    /// a symlink or does not exist (a dangling link resolves to the path it points at). This is
    /// where a save must go so that the link itself is kept. Intermediate directories are left
    /// to the kernel.
    /// - Returns: the resolved path, or the errno (ELOOP after 40 links).
    static func resolvingSymlinks(_ path: String) -> Result<String, Errno> {
        var p = path
        for _ in 0..<40 {
            switch Sys.lstat(p) {
            case .failure(let e):
                // Missing, or a parent is not a folder: the caller's stat reports it properly.
                return e.code == ENOENT || e.code == ENOTDIR ? .success(p) : .failure(e)
            case .success(let st):
                guard st.isSymlink else { return .success(p) }
                switch Sys.readLink(p) {
                case .failure(let e): return .failure(e)
                case .success(let target):
                    p = target.hasPrefix("/") ? target : join(split(p).directory, target)
                }
            }
        }
        return .failure(Errno(ELOOP))
    }

    /// A path for messages: as is when it is plain, Swift-quoted when it has spaces, quotes or
    /// control characters (a file name may contain anything).
    static func shown(_ path: String) -> String {
        let plain = !path.isEmpty && path.unicodeScalars.allSatisfy {
            $0.value > 0x20 && $0.value != 0x7F && $0 != "\"" && $0 != "'" && $0 != "\\"
        }
        return plain ? path : path.debugDescription
    }

    /// `name` shortened (on a scalar boundary) to at most `limit` UTF-8 bytes, for building
    /// temporary names that stay under NAME_MAX.
    static func truncated(_ name: String, toBytes limit: Int) -> String {
        if name.utf8.count <= limit { return name }
        var out = ""
        var used = 0
        for s in name.unicodeScalars {
            let n = String(s).utf8.count
            if used + n > limit { break }
            out.unicodeScalars.append(s)
            used += n
        }
        return out
    }
}
