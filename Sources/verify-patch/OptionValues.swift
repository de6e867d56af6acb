// SPDX-License-Identifier: GPL-2.0-only
//
// Option values as types: ArgumentParser parses each into its type, so a value that
// is not one of the listed choices, or not a number, never reaches `run()`; ranges
// that depend on other options are checked in the command's `validate()`.

import ArgumentParser
import BuddyPort

/// The zones the reports and the scenario run on.
enum GeometryName: String, ExpressibleByArgument, CaseIterable, Codable, Sendable {
    case tiny16
    case tiny64
    case x86_64 = "x86-64"

    var geometry: Geometry {
        switch self {
        case .tiny16: .tiny16
        case .tiny64: .tiny64
        case .x86_64: .x86_64
        }
    }
}

/// A comma-separated list of geometries: `tiny64,x86-64`.
struct GeometryList: ExpressibleByArgument, Equatable, Sendable, CustomStringConvertible {
    var names: [GeometryName]

    init(_ names: [GeometryName]) { self.names = names }

    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        var names: [GeometryName] = []
        for part in parts {
            guard let name = GeometryName(rawValue: String(part)) else { return nil }
            if !names.contains(name) { names.append(name) }
        }
        guard !names.isEmpty else { return nil }
        self.names = names
    }

    var description: String { names.map(\.rawValue).joined(separator: ",") }
    var defaultValueDescription: String { description }
    static var allValueStrings: [String] { GeometryName.allValueStrings }
}

/// A workload seed: a decimal number from 0 to 2^64 - 1. Commands that run seeds
/// `seed ..< seed + n` check in `validate()` that the last one exists.
struct Seed: ExpressibleByArgument, Equatable, Sendable, CustomStringConvertible {
    var value: UInt64

    init(_ value: UInt64) { self.value = value }

    init?(argument: String) {
        guard !argument.isEmpty, argument.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let value = UInt64(argument) else { return nil }
        self.value = value
    }

    var description: String { String(value) }
    var defaultValueDescription: String { description }

    /// Refuses a seed whose run of `count` seeds would pass 2^64 - 1.
    func validate(runs count: UInt64, option: String = "--seed") throws {
        guard count > 0, value <= UInt64.max - (count - 1) else {
            throw UsageError(option, "\(value) leaves no room for the \(count) seeds from it; "
                             + "give at most \(UInt64.max - (count - 1))")
        }
    }
}

/// The tiny zones `explore` searches exhaustively (`ExploreCommand.geometries`).
enum ExploreGeometryName: String, ExpressibleByArgument, CaseIterable, Sendable {
    case tiny16
    case tiny16C1 = "tiny16-c1"
    case tiny16R2 = "tiny16-r2"
    case tiny16PB1 = "tiny16-pb1"
    case tiny32
}
