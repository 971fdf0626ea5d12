import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the trainer reports: a progress bar redrawn in place on a terminal, plain lines
/// otherwise (a log file, CI), or nothing (tests).
public final class ProgressReporter {
    public enum Style: Sendable { case terminal, lines, silent }

    public let style: Style
    private var barShown = false
    private let start = Date()

    /// Reports in `style`; by default a bar when standard output is a terminal, lines otherwise.
    public init(style: Style? = nil) {
        self.style = style ?? (isatty(STDOUT_FILENO) != 0 ? .terminal : .lines)
    }

    /// A line that stays (log lines, messages).
    public func line(_ text: String) {
        switch style {
        case .silent: return
        case .lines: print(text)
        case .terminal:
            if barShown { print("\r\u{1B}[K", terminator: "") }
            print(text)
            barShown = false
        }
        fflush(stdout)
    }

    /// Redraws the bar (terminal only): `step` of `total`, with a short status.
    public func progress(step: Int, total: Int, startStep: Int, status: String) {
        guard style == .terminal else { return }
        let width = 30
        let fraction = total > 0 ? Double(step) / Double(total) : 1
        let filled = Int(fraction * Double(width))
        let elapsed = Date().timeIntervalSince(start)
        let done = step - startStep
        let eta = done > 0 ? elapsed / Double(done) * Double(total - step) : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        print("\r\u{1B}[K\(bar) \(step)/\(total) \(status) elapsed \(ProgressReporter.clock(elapsed)) "
              + "ETA \(ProgressReporter.clock(eta))", terminator: "")
        fflush(stdout)
        barShown = true
    }

    /// Ends the bar's line.
    public func finish() {
        if style == .terminal && barShown { print(""); barShown = false }
        fflush(stdout)
    }

    /// A clock reading: `0:07`, `4:31`, `1:02:09`.
    public static func clock(_ seconds: Double) -> String {
        let s = seconds.isFinite ? Swift.max(0, Int(seconds.rounded())) : 0
        if s >= 3600 { return String(format: "%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60) }
        return String(format: "%d:%02d", s / 60, s % 60)
    }

    /// `1h02m`, `3m05s`, `12s`.
    public static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
        if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return "\(s)s"
    }
}
