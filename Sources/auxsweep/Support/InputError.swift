import ArgumentParser
import Foundation
import NN
import Sweep

/// Bad user input (a file, a field, a problem): printed as one line, exit status 2.
struct InputError: Error, CustomStringConvertible {
    let description: String

    init(file: String, field: String, problem: String) {
        description = "\(file): \(field): \(problem)"
    }
}

/// Runs `body`, turning bad-input errors into one line on stderr and exit status 2, and any other
/// error into one line and exit status 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as TensorFileError {
        printError("auxsweep: \(error)")
        throw ExitCode(2)
    } catch let error as InputError {
        printError("auxsweep: \(error)")
        throw ExitCode(2)
    } catch let error as SpecError {
        printError("auxsweep: \(error)")
        throw ExitCode(2)
    } catch let error as StoreError {
        printError("auxsweep: \(error)")
        throw ExitCode(2)
    } catch let error as ExitCode {
        throw error
    } catch {
        printError("auxsweep: \(error)")
        throw ExitCode(1)
    }
}
