#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension TextFile {
    /// Saves `text` (its UTF-8 bytes, exactly) to `path`, atomically.
    ///
    /// Steps: resolve a symlink at `path` to its final target (the link is kept and the target
    /// is replaced); create a hidden temporary file beside the target (`.<name>.stet-save-<random>`,
    /// `O_EXCL`); write every byte; give it the original owner and group (`fchown`, EPERM
    /// ignored: only root may give files away) and then the original permission bits (`fchmod`
    /// after `fchown`, which may clear set-id bits); `fsync`; `rename` over the target; `fsync`
    /// the folder. A new file gets `0666 & ~umask` (the kernel applies the umask and any
    /// default ACL when the temporary file is created).
    ///
    /// On any failure before the rename (disk full, quota, permission, read-only file system,
    /// I/O error, file size limit…) the temporary file is removed, the original file is
    /// untouched, and the `FileProblem` names the cause and the fix.
    ///
    /// Limitations: extended attributes and ACLs of the original are not copied; a file with
    /// several hard links is replaced by a new inode, so the other links keep the old content;
    /// a failing `fsync` of the folder after the rename is ignored (the new content is already
    /// in place and reported as saved).
    ///
    /// - Returns: the stamp of the file as written (compare with `DiskStamp.current(path:)` to
    ///   notice later changes by other programs).
    /// - Complexity: O(n) in the text's UTF-8 size, plus two `fsync`s.
    @discardableResult
    public static func write(_ text: String, to path: String) throws(FileProblem) -> DiskStamp {
        let target = try resolve(path: path, for: .writing)
        var original: StatBuf?
        switch Sys.stat(target) {
        case .success(let st):
            if st.isDirectory { throw .isDirectory(path: path) }
            if !st.isRegular { throw .notRegularFile(path: path) }
            original = st
        case .failure(let e) where e.code == ENOENT:
            original = nil
        case .failure(let e) where e.code == ENOTDIR:
            throw .missingDirectory(path: path, directory: Paths.split(target).directory)
        case .failure(let e):
            throw .system(action: .writing, path: path, errno: e.code)
        }

        let (dir, name) = Paths.split(target)
        var tempPath = ""
        var fd: Int32 = -1
        for _ in 0..<16 {
            tempPath = Paths.join(dir, "." + Paths.truncated(name, toBytes: 200) + ".stet-save-" + Sys.randomToken())
            fd = Sys.open(tempPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                          original == nil ? 0o666 : 0o600)
            if fd != -EEXIST { break }
        }
        if fd < 0 {
            let e = -fd
            if e == ENOTDIR { throw .missingDirectory(path: path, directory: dir) }
            if e == ENOENT, case .success(let d) = Sys.stat(dir), d.isDirectory {
                throw .system(action: .writing, path: path, errno: e)
            }
            if e == ENOENT { throw .missingDirectory(path: path, directory: dir) }
            throw .system(action: .writing, path: path, errno: e)
        }

        func fail(_ e: Int32) -> FileProblem {
            Sys.close(fd)
            Sys.unlinkQuietly(tempPath)
            return .system(action: .writing, path: path, errno: e)
        }

        var t = text
        let (_, writeError) = t.withUTF8 { Sys.writeAll(fd, UnsafeRawBufferPointer($0)) }
        if writeError != 0 { throw fail(writeError) }
        if let o = original {
            let ids = Sys.fstat(fd)
            if case .success(let mine) = ids, mine.st_uid != o.st_uid || mine.st_gid != o.st_gid {
                // Best effort: EPERM is the normal answer for a non-root user, and ownership is
                // a courtesy here, so every failure is ignored.
                _ = fchown(fd, o.st_uid, o.st_gid)
            }
            if fchmod(fd, o.permissions) != 0 {
                let e = errno
                if e != EPERM && e != ENOTSUP && e != EOPNOTSUPP { throw fail(e) }
            }
        }
        let syncError = Sys.fullSync(fd)
        if syncError != 0 { throw fail(syncError) }
        guard case .success(let written) = Sys.fstat(fd) else { throw fail(errno) }
        let closeError = Sys.close(fd)
        if closeError != 0 && closeError != EINTR {
            Sys.unlinkQuietly(tempPath)
            throw .system(action: .writing, path: path, errno: closeError)
        }
        let renameError = Sys.rename(tempPath, target)
        if renameError != 0 {
            Sys.unlinkQuietly(tempPath)
            if renameError == EISDIR { throw .isDirectory(path: path) }
            throw .system(action: .writing, path: path, errno: renameError)
        }
        Sys.syncDirectory(dir)
        return DiskStamp(written)
    }
}
