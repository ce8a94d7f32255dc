//! Files only Comptoir's own user may read: the data directory is created `0700` and what
//! Comptoir writes in it (the SQLite database, the secrets key, the first admin's password)
//! `0600`, whatever the umask. They hold password hashes, encrypted Stripe keys and the key
//! that decrypts them. Elsewhere than Unix the platform's defaults apply.

use std::{fs, io, path::Path};

/// Creates `dir` and its missing parents, the ones it creates readable by the owner only. A
/// directory that exists is left as the operator made it.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Makes `path` readable and writable by its owner only (a file an older version made `0644`
/// is tightened at start).
pub fn restrict_to_owner(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Opens a new file for writing, `0600` from its first byte; refuses one that exists.
pub fn create_private_file(path: &Path) -> io::Result<fs::File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn made_dirs_and_files_are_the_owner_s_only() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("data/nested/secret.key");
        std::io::Write::write_all(&mut create_private_file(&file).unwrap(), b"k").unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&root.path().join("data")), 0o700);
        assert_eq!(mode(&root.path().join("data/nested")), 0o700);
        assert!(create_private_file(&file).is_err(), "never overwritten");

        let loose = root.path().join("loose.db");
        fs::write(&loose, b"").unwrap();
        fs::set_permissions(&loose, fs::Permissions::from_mode(0o644)).unwrap();
        restrict_to_owner(&loose).unwrap();
        assert_eq!(mode(&loose), 0o600);
    }
}
