import Foundation

/// Finds theme files by name: the user's folder first, then an installed share folder, then the
/// `Themes/` folder of the checkout the binary was built in; `default-dark` is also compiled in.
public struct ThemeLibrary: Sendable {
    public struct NotFound: Error, CustomStringConvertible {
        public let name: String
        public let searched: [String]
        public let available: [String]
        public var description: String {
            "no theme \"\(name)\" (looked in \(searched.joined(separator: ", "))); themes: \(available.joined(separator: ", "))"
        }
    }

    /// The theme used unless another is asked for (compiled in).
    public static var defaultThemeName: String { BuiltinTheme.name }

    /// Folders searched, in order.
    public let folders: [String]

    public init(folders: [String]) { self.folders = folders }

    /// The folders for this user and this binary.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment,
                                executable: String? = nil) -> ThemeLibrary {
        var folders: [String] = []
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty {
            folders.append(xdg + "/parlor/themes")
        } else if let home = environment["HOME"] {
            folders.append(home + "/.config/parlor/themes")
        }
        let bin = URL(fileURLWithPath: executable ?? CommandLine.executablePath).deletingLastPathComponent()
        folders.append(bin.deletingLastPathComponent().appendingPathComponent("share/parlor/themes").path)
        var dir = bin
        for _ in 0..<6 {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
                folders.append(dir.appendingPathComponent("Themes").path)
                break
            }
            dir = dir.deletingLastPathComponent()
        }
        return ThemeLibrary(folders: folders)
    }

    /// Loads the theme `name` from the first folder that has it, or the compiled-in default.
    public func load(_ name: String) throws -> Theme {
        for folder in folders {
            let path = folder + "/" + name + ".toml"
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                return try Theme.parse(text, source: path)
            }
        }
        if name == BuiltinTheme.name { return try Theme.parse(BuiltinTheme.text, source: "built-in") }
        throw NotFound(name: name, searched: folders, available: available())
    }

    /// Every theme name found, sorted, the built-in one included.
    public func available() -> [String] {
        var names: Set<String> = [BuiltinTheme.name]
        for folder in folders {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where file.hasSuffix(".toml") {
                names.insert(String(file.dropLast(5)))
            }
        }
        return names.sorted()
    }
}

extension CommandLine {
    /// This process's executable, resolved through /proc.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
    }
}
