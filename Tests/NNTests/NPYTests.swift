import Foundation
import NN
import Testing
import TestSupport

@Suite("NPY files")
struct NPYTests {
    @Test("float32 and uint8 arrays round-trip; the data starts on a 64-byte boundary")
    func roundTrip() throws {
        let t = randomTensor([2, 3, 4, 5], seed: 1)
        let bytes = NPY.encode(.float32(t))
        #expect((bytes.count - t.count * 4) % 64 == 0)
        #expect(try NPY.decode(bytes, name: "a.npy") == .float32(t))
        let labels = NPY.Array.uint8(shape: [7], values: [0, 1, 2, 3, 255, 4, 5])
        #expect(try NPY.decode(NPY.encode(labels), name: "b.npy") == labels)
    }

    @Test("reads the header numpy writes")
    func numpyHeader() throws {
        // The exact bytes numpy 2 writes for np.zeros((2, 3), '<f4').
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0])
        data.append(Data(header.utf8))
        data.append(Data(count: 24))
        #expect(try NPY.decode(data, name: "np.npy").shape == [2, 3])
    }

    @Test("corrupt or unsupported files are rejected naming the field", arguments: [
        ("not npy", "magic"), ("version 2", "version"), ("float64", "descr"), ("fortran", "fortran_order"),
        ("short data", "shape"), ("bad shape", "shape"), ("huge header", "header length"),
    ])
    func rejects(_ defect: String, _ field: String) throws {
        var bytes = NPY.encode(.float32(Tensor(shape: [2, 2])))
        func replace(_ a: String, _ b: String) {
            guard let range = bytes.range(of: Data(a.utf8)) else { Issue.record("no '\(a)' in the header"); return }
            bytes.replaceSubrange(range, with: Data(b.utf8))
        }
        switch defect {
        case "not npy": bytes = Data("just text, no header at all".utf8)
        case "version 2": bytes[6] = 2
        case "float64": replace("'<f4'", "'<f8'")
        case "fortran": replace("False", "True ")
        case "short data": bytes = bytes.prefix(bytes.count - 4)
        case "bad shape": replace("(2, 2)", "(2, x)")
        case "huge header": bytes[8] = 0xff; bytes[9] = 0xff
        default: Issue.record("unknown defect")
        }
        #expect {
            _ = try NPY.decode(bytes, name: "bad.npy")
        } throws: { error in
            (error as? TensorFileError)?.field == field && (error as? TensorFileError)?.file == "bad.npy"
        }
    }
}
