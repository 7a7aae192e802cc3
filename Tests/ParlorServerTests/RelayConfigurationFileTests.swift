import Testing
@testable import ParlorServer

@Suite struct RelayConfigurationFileTests {
    @Test func settingsOverrideDefaultsAndCommentsAreIgnored() throws {
        let limits = try RelayConfigurationFile.parse("""
            # a small relay
            max_members_per_room = 5_000
              handshakes_per_second=200   # cookies above this
            joins_per_second = 2

            """)
        #expect(limits.maxMembersPerRoom == 5_000)
        #expect(limits.handshakesPerSecond == 200)
        #expect(limits.joinsPerSecond == 2 && limits.joinBurst == 3)
        #expect(limits.maxRooms == RelayLimits().maxRooms)
    }

    @Test func everySettingNameIsSettable() throws {
        for (name, path) in RelayConfigurationFile.settings {
            let limits = try RelayConfigurationFile.parse("\(name) = 4242")
            #expect(limits[keyPath: path] == 4242, "\(name)")
        }
    }

    @Test func errorsNameTheLineAndWhatIsWrong() {
        #expect(throws: RelayConfigurationFile.Error(line: 2, message: "max_rooms must be a positive integer, got \"many\"")) {
            try RelayConfigurationFile.parse("\nmax_rooms = many")
        }
        #expect { try RelayConfigurationFile.parse("max_roms = 3") } throws: { error in
            "\(error)".hasPrefix("config line 1: unknown setting \"max_roms\"")
        }
        #expect { try RelayConfigurationFile.parse("max_rooms 3") } throws: { error in
            "\(error)" == "config line 1: expected name = value, got \"max_rooms 3\""
        }
        #expect(throws: RelayConfigurationFile.Error.self) { try RelayConfigurationFile.parse("max_rooms = -1") }
    }
}
