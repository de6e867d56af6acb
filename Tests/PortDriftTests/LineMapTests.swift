// SPDX-License-Identifier: GPL-2.0-only

import Foundation
@testable import PortDrift
import Testing

@Suite("The kernel line map")
struct LineMapTests {
    // Lookups in the committed map, each checked by hand against Linux 7.3.4:
    //   page_alloc.c:490 "static void split_large_buddy(" is mm/page_alloc.c:1525;
    //   493 "unsigned long end = ..." is 1528; 496 "VM_WARN_ON_ONCE(PageBuddy(page));" is
    //   1532, past the kernel's comment at 1531 that the port does not carry;
    //   76 "static bool get_pfnblock_bit(" (static added, deviation 4) is 418;
    //   554 expand's head is 1717; page_reporting.c:96 "budget = DIV_ROUND_UP(...)" is
    //   mm/page_reporting.c:188, after a 12-line comment; linux_defs.h:570
    //   "__find_buddy_pfn(unsigned long page_pfn, ...)" is mm/page_alloc.h:179.
    @Test(arguments: [
        ("port/mm/page_alloc.c", 490, KernelLocation(file: "mm/page_alloc.c", line: 1525, function: "split_large_buddy")),
        ("port/mm/page_alloc.c", 493, KernelLocation(file: "mm/page_alloc.c", line: 1528, function: "split_large_buddy")),
        ("port/mm/page_alloc.c", 496, KernelLocation(file: "mm/page_alloc.c", line: 1532, function: "split_large_buddy")),
        ("port/mm/page_alloc.c", 76, KernelLocation(file: "mm/page_alloc.c", line: 418, function: "get_pfnblock_bit")),
        ("port/mm/page_alloc.c", 554, KernelLocation(file: "mm/page_alloc.c", line: 1717, function: "expand")),
        ("port/mm/page_reporting.c", 96, KernelLocation(file: "mm/page_reporting.c", line: 188, function: "page_reporting_cycle")),
        ("port/linux_defs.h", 570, KernelLocation(file: "mm/page_alloc.h", line: 179, function: "__find_buddy_pfn")),
    ])
    func lookups(portFile: String, line: Int, expected: KernelLocation) throws {
        let map = try KernelLineMap.load(portRoot: portRoot)
        #expect(map.kernelLocation(portFile: portFile, line: line) == expected)
        #expect(expected.description == "\(expected.file):\(expected.line)")
    }

    @Test func committedMap() throws {
        let map = try KernelLineMap.load(portRoot: portRoot)
        #expect(map.kernelVersion == "7.3.4")
        // Every ported function has lines in it, and nothing outside them does.
        #expect(Set(map.runs.map(\.function)).count == 78)
        #expect(map.kernelLocation(portFile: "port/mm/page_alloc.c", line: 1) == nil)
        #expect(map.kernelLocation(portFile: "port/harness.h", line: 20) == nil)
        #expect(try KernelLineMap.parse(map.text) == map)
    }

    @Test func malformedMaps() {
        let head = "kernel 7.3.4\n"
        let cases: [(String, KernelLineMapError)] = [
            ("", KernelLineMapError(line: 1, problem: "no kernel line")),
            (head + "expand\tport/mm/page_alloc.c:5-7\n", KernelLineMapError(line: 2, problem: "expected function, port file:lines, kernel file:lines")),
            (head + "expand\tport/mm/page_alloc.c:5-7\tmm/page_alloc.c:9-10\n", KernelLineMapError(line: 2, problem: "3 port lines against 2 kernel lines")),
            (head + "expand\tport/mm/page_alloc.c:7-5\tmm/page_alloc.c:9\n", KernelLineMapError(line: 2, problem: "\"port/mm/page_alloc.c:7-5\" is not file:first-last")),
            (head + "expand\tport/mm/page_alloc.c\tmm/page_alloc.c:9\n", KernelLineMapError(line: 2, problem: "\"port/mm/page_alloc.c\" is not file:lines")),
            (head + head, KernelLineMapError(line: 2, problem: "a second kernel line")),
        ]
        for (text, error) in cases {
            #expect(throws: error) { try KernelLineMap.parse(text) }
        }
    }

    @Test func differencesNameTheFirstRunThatDiffers() {
        let run = KernelLineRun(function: "expand", portFile: "port/mm/page_alloc.c", portFirst: 554,
                                kernelFile: "mm/page_alloc.c", kernelFirst: 1717, count: 10)
        var moved = run
        moved.kernelFirst = 1718
        let a = KernelLineMap(kernelVersion: "7.3.4", runs: [run])
        #expect(a.differences(from: a) == [])
        #expect(a.differences(from: KernelLineMap(kernelVersion: "7.3.5", runs: [moved])) == [
            "kernel-lines.txt is of kernel 7.3.4, the tree is 7.3.5",
            "expand: kernel-lines.txt has port/mm/page_alloc.c:554-563 -> mm/page_alloc.c:1717-1726,"
                + " the tree gives port/mm/page_alloc.c:554-563 -> mm/page_alloc.c:1718-1727",
        ])
        #expect(a.differences(from: KernelLineMap(kernelVersion: "7.3.4", runs: [])) == [
            "expand: kernel-lines.txt has port/mm/page_alloc.c:554-563 -> mm/page_alloc.c:1717-1726, the tree gives nothing",
        ])
    }
}
