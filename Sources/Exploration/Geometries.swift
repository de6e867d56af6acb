// SPDX-License-Identifier: GPL-2.0-only
//
// The tiny zones exploration knows by name.

import BuddyTypes

extension Exploration {
    public static let geometries: [(name: String, geometry: Geometry)] = [
        ("tiny16", .tiny16),
        ("tiny16-c1", Geometry(nrPageblocks: 4, pageblockOrder: 2, maxPageOrder: 3, pageReportingOrder: 1,
                               reportingCapacity: 1)),
        ("tiny16-r2", Geometry(nrPageblocks: 4, pageblockOrder: 2, maxPageOrder: 3, pageReportingOrder: 2,
                               reportingCapacity: 1)),
        ("tiny16-pb1", Geometry(nrPageblocks: 8, pageblockOrder: 1, maxPageOrder: 3, pageReportingOrder: 1,
                                reportingCapacity: 2)),
        ("tiny32", Geometry(nrPageblocks: 8, pageblockOrder: 2, maxPageOrder: 4, pageReportingOrder: 1,
                            reportingCapacity: 2)),
    ]

    /// The named geometry, if there is one by that name.
    public static func geometry(named name: String) -> Geometry? {
        geometries.first { $0.name == name }?.geometry
    }
}
