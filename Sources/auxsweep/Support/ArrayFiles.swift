import NN

/// Reading the network's inputs from `.npy` files with checks that name the file and field.
enum ArrayFiles {
    /// A float32 image batch [N, 3, H, W] with H and W multiples of 8.
    static func images(path: String) throws -> Tensor {
        guard case .float32(let x) = try NPY.read(path: path) else {
            throw InputError(file: path, field: "descr", problem: "expected float32 (<f4) images")
        }
        guard x.rank == 4, x.shape[0] > 0, x.shape[1] == 3, x.shape[2] > 0, x.shape[3] > 0,
              x.shape[2] % 8 == 0, x.shape[3] % 8 == 0 else {
            throw InputError(file: path, field: "shape", problem: "\(x.shape) is not N x 3 x H x W with H and W positive multiples of 8")
        }
        guard x.data.allSatisfy(\.isFinite) else {
            throw InputError(file: path, field: "data", problem: "contains NaN or infinite values")
        }
        return x
    }

    /// Labels [N, H, W] as bytes, each below `classes` or 255 (ignore), matching the images' shape.
    static func labels(path: String, images: Tensor, classes: Int) throws -> [UInt8] {
        guard case .uint8(let shape, let values) = try NPY.read(path: path) else {
            throw InputError(file: path, field: "descr", problem: "expected uint8 (|u1) labels")
        }
        let expected = [images.shape[0], images.shape[2], images.shape[3]]
        guard shape == expected else {
            throw InputError(file: path, field: "shape", problem: "\(shape) does not match the images' N x H x W \(expected)")
        }
        if let bad = values.firstIndex(where: { Int($0) >= classes && $0 != 255 }) {
            throw InputError(file: path, field: "data", problem: "label \(values[bad]) at index \(bad) is not below \(classes) classes or 255")
        }
        return values
    }
}
