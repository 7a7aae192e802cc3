import ParlorCrypto
import Testing
@testable import ParlorProtocol

@Suite struct HandshakeCookieTests {
    let relayKey = X25519KeyPair.generate().publicKey
    let secret = [UInt8](repeating: 9, count: HandshakeCookie.secretLength)
    let message1 = [UInt8](repeating: 0x48, count: 48)

    @Test func aClientOpensTheReplyAndItsMACVerifiesForItsAddressOnly() throws {
        let cookie = HandshakeCookie(secret: secret, address: [127, 0, 0, 1])
        let reply = try cookie.reply(relayKey: relayKey, message1: message1)
        #expect(reply.count == CookieReply.length && Array(reply.prefix(8)) == [3, 0, 0, 0, 0, 0, 0, 0])
        let opened = try HandshakeCookie(reply: reply, relayKey: relayKey, message1: message1)
        #expect(opened == cookie)

        let retry = [UInt8](repeating: 0x49, count: 48)
        let mac = opened.mac(for: retry)
        #expect(mac.count == HandshakeCookie.length)
        #expect(cookie.verifies(mac, for: retry))
        #expect(!cookie.verifies(mac, for: message1), "bound to the message it came with")
        #expect(!HandshakeCookie(secret: secret, address: [127, 0, 0, 2]).verifies(mac, for: retry), "bound to the address")
        #expect(!HandshakeCookie(secret: [UInt8](repeating: 8, count: 32), address: [127, 0, 0, 1]).verifies(mac, for: retry))
    }

    @Test func onlyTheClientThatKnowsTheRelayAndSentTheMessageCanOpenIt() throws {
        let reply = try HandshakeCookie(secret: secret, address: [10, 0, 0, 1]).reply(relayKey: relayKey, message1: message1)
        #expect(throws: ParlorProtocolError.self) {
            try HandshakeCookie(reply: reply, relayKey: X25519KeyPair.generate().publicKey, message1: message1)
        }
        #expect(throws: ParlorProtocolError.self) {
            try HandshakeCookie(reply: reply, relayKey: relayKey, message1: [UInt8](repeating: 1, count: 48))
        }
        #expect(throws: ParlorProtocolError.invalidLength(what: "cookie reply", got: 63)) {
            try HandshakeCookie(reply: Array(reply.dropLast()), relayKey: relayKey, message1: message1)
        }
    }
}
