// SPDX-License-Identifier: GPL-2.0-only
//
// Workload steps as operations, and the minimal replay (Exploration's Replay.minimize)
// of a workload that made a kernel check fire.

import BuddyPort
import Differential
import Exploration

extension WorkloadStep {
    /// The same call as a differential operation.
    var operation: Operation {
        switch self {
        case .allocate(let order, let mt, let flags): .allocate(order: order, migratetype: mt, flags: flags)
        case .free(let pfn, let order): .free(pfn: pfn, order: order)
        case .isolate(let pb): .isolate(pageblock: pb)
        case .unisolate(let pb): .unisolate(pageblock: pb)
        case .report(let failing): .report(failing: failing.sorted())
        }
    }
}

extension Replay {
    /// The shortest list `minimize` finds that makes a kernel check fire on a new zone.
    public static func minimalFiring(_ ops: [Operation], variant: Variant, geometry: Geometry) throws -> [Operation] {
        try Exploration.shrink(ops, variant: variant, geometry: geometry) { zone, _ in
            zone.violationCount > 0 ? zone.violations[0].description : nil
        }.path
    }
}
