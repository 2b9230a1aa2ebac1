import ArgumentParser
import Foundation
import NN
import Segmentation
import Sweep

/// An error caused by the user's input (a file, a field, a problem): one line, exit status 2.
protocol BadInput: Error, CustomStringConvertible {}

extension TensorFileError: BadInput {}
extension SpecError: BadInput {}
extension StoreError: BadInput {}
extension PostgresLocationError: BadInput {}
extension PostgresStoreError: BadInput {}
extension SlurmError: BadInput {}
extension DatasetError: BadInput {}

/// Bad user input found by the command line itself.
struct InputError: BadInput {
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
    } catch let error as any BadInput {
        printError("auxsweep: \(error)")
        throw ExitCode(2)
    } catch let error as ExitCode {
        throw error
    } catch {
        printError("auxsweep: \(error)")
        throw ExitCode(1)
    }
}
