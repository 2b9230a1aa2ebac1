import Foundation

/// Writes a line to standard output at once (unbuffered, so streamed results reach a pipe as they
/// happen).
func printLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Writes a line to standard error (progress and messages; results go to stdout).
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
