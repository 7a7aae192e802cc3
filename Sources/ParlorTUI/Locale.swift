import Glibc

/// The process locale, which curses needs to draw UTF-8 and read wide characters.
public enum Locale {
    /// Takes the locale from the environment; when that leaves a non-UTF-8 character set,
    /// falls back to C.UTF-8 (present on every Debian system), so names still draw.
    /// Returns the environment's own character set when the fallback was taken, nil otherwise.
    @discardableResult
    public static func activate() -> String? {
        setlocale(LC_ALL, "")
        let own = codeset
        guard !own.uppercased().contains("UTF") else { return nil }
        setlocale(LC_ALL, "C.UTF-8")
        return own
    }

    /// The character set of the active locale.
    public static var codeset: String { String(cString: nl_langinfo(nl_item(CODESET))) }
}
