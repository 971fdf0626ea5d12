import Foundation
import GANModels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Installs Debian packages the command needs (a data set, a font) when the user is root and
/// has apt-get; otherwise throws one error saying what is missing and how to install it.
///
/// - Parameters:
///   - packages: Debian package names, such as `["fonts-noto-color-emoji", "unicode-data"]`.
///   - reason: what is missing, as a sentence: `the emoji font /usr/share/... is not installed`.
///     It starts the message and the error; the installation command follows.
/// - Throws: `ModelError.run` when installing is not possible or apt-get fails.
func installDebianPackages(_ packages: [String], reason: String) throws {
    let list = packages.joined(separator: " ")
    let how = "\(reason). Install Debian's package\(packages.count == 1 ? "" : "s"):\n  sudo apt-get install \(list)"
    let aptGet = "/usr/bin/apt-get"
    guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: aptGet) else {
        throw ModelError.run(how)
    }
    print("\(reason); installing \(list) with apt-get ...")
    func run(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: aptGet)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DEBIAN_FRONTEND"] = "noninteractive"
        process.environment = environment
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
    // A fresh machine often has no package lists yet: update once, then try again.
    if !run(["install", "-y"] + packages) {
        guard run(["update"]), run(["install", "-y"] + packages) else {
            throw ModelError.run("apt-get could not install \(list).\n" + how)
        }
    }
}
