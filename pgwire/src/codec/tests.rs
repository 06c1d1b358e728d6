//! Round trips for every message and a table of malformed frames.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

use super::*;

fn frontend_samples() -> Vec<FrontendMessage> {
    use FrontendMessage as F;
    vec![
        F::Query(Query {
            sql: "SELECT 1; SELECT 'é'".into(),
        }),
        F::Parse(Parse {
            name: "s1".into(),
            sql: "SELECT $1::int8, $2".into(),
            param_types: vec![20, 0],
        }),
        F::Bind(Bind {
            portal: "p".into(),
            statement: "s1".into(),
            param_formats: vec![1, 0],
            params: vec![Some(Bytes::from_static(&[0, 0, 0, 0, 0, 0, 0, 7])), None],
            result_formats: vec![1],
        }),
        F::Describe(Describe {
            target: Target::Statement,
            name: "s1".into(),
        }),
        F::Describe(Describe {
            target: Target::Portal,
            name: String::new(),
        }),
        F::Execute(Execute {
            portal: "p".into(),
            max_rows: 10,
        }),
        F::Sync,
        F::Flush,
        F::Close(Close {
            target: Target::Portal,
            name: "p".into(),
        }),
        F::Terminate,
        F::CopyData(Bytes::from_static(b"1\tone\n")),
        F::CopyDone,
        F::CopyFail(CopyFail {
            message: "stop".into(),
        }),
        F::FunctionCall(FunctionCall {
            function: 1234,
            arg_formats: vec![0],
            args: vec![Some(Bytes::from_static(b"42")), None],
            result_format: 1,
        }),
        F::PasswordMessage(PasswordMessage::from_password("secret")),
        F::PasswordMessage(
            SaslInitialResponse {
                mechanism: "SCRAM-SHA-256".into(),
                data: Some(Bytes::from_static(b"n,,n=,r=abc")),
            }
            .to_message(),
        ),
    ]
}

fn backend_samples() -> Vec<BackendMessage> {
    use BackendMessage as B;
    let mut v = vec![
        B::BackendKeyData {
            pid: 42,
            key: Bytes::from_static(&[1, 2, 3, 4]),
        },
        B::BackendKeyData {
            pid: 42,
            key: Bytes::from(vec![7u8; 32]),
        },
        B::BindComplete,
        B::CloseComplete,
        B::CommandComplete("INSERT 0 1".into()),
        B::CopyData(Bytes::from_static(b"x")),
        B::CopyDone,
        B::CopyInResponse(CopyResponse {
            format: 0,
            column_formats: vec![0, 0],
        }),
        B::CopyOutResponse(CopyResponse {
            format: 1,
            column_formats: vec![1],
        }),
        B::CopyBothResponse(CopyResponse {
            format: 0,
            column_formats: vec![],
        }),
        B::DataRow(vec![
            Some(Bytes::from_static(b"1")),
            None,
            Some(Bytes::new()),
        ]),
        B::EmptyQueryResponse,
        B::ErrorResponse(ErrorFields(vec![
            (b'S', "ERROR".into()),
            (b'C', "42601".into()),
            (b'M', "syntax error".into()),
        ])),
        B::FunctionCallResponse(Some(Bytes::from_static(b"7"))),
        B::FunctionCallResponse(None),
        B::NegotiateProtocolVersion {
            newest_minor: 2,
            unrecognized: vec!["_pq_.x".into()],
        },
        B::NoData,
        B::NoticeResponse(ErrorFields(vec![(b'S', "NOTICE".into())])),
        B::NotificationResponse {
            pid: 7,
            channel: "ch".into(),
            payload: "hi".into(),
        },
        B::ParameterDescription(vec![20, 25]),
        B::ParameterStatus {
            name: "TimeZone".into(),
            value: "UTC".into(),
        },
        B::ParseComplete,
        B::PortalSuspended,
        B::ReadyForQuery(TransactionStatus::Idle),
        B::ReadyForQuery(TransactionStatus::InTransaction),
        B::ReadyForQuery(TransactionStatus::Failed),
        B::RowDescription(vec![FieldDescription {
            name: "id".into(),
            table_oid: 16384,
            column_id: 1,
            type_oid: 20,
            type_size: 8,
            type_modifier: -1,
            format: 1,
        }]),
    ];
    for a in [
        Authentication::Ok,
        Authentication::KerberosV5,
        Authentication::CleartextPassword,
        Authentication::Md5Password { salt: [1, 2, 3, 4] },
        Authentication::Gss,
        Authentication::GssContinue(Bytes::from_static(b"g")),
        Authentication::Sspi,
        Authentication::Sasl(vec!["SCRAM-SHA-256-PLUS".into(), "SCRAM-SHA-256".into()]),
        Authentication::SaslContinue(Bytes::from_static(b"r=abc,s=xyz,i=4096")),
        Authentication::SaslFinal(Bytes::from_static(b"v=sig")),
    ] {
        v.push(B::Authentication(a));
    }
    v
}

#[test]
fn every_frontend_message_round_trips() {
    for msg in frontend_samples() {
        let mut buf = BytesMut::new();
        msg.encode(&mut buf);
        assert_eq!(buf[0], msg.tag());
        let decoded = decode_frontend(&mut buf, DEFAULT_MAX_MESSAGE_LEN)
            .unwrap()
            .unwrap();
        assert_eq!(decoded, msg);
        assert!(buf.is_empty());
    }
}

#[test]
fn every_backend_message_round_trips() {
    for msg in backend_samples() {
        let mut buf = BytesMut::new();
        msg.encode(&mut buf);
        let decoded = decode_backend(&mut buf, DEFAULT_MAX_MESSAGE_LEN)
            .unwrap()
            .unwrap();
        assert_eq!(decoded, msg);
        assert!(buf.is_empty());
    }
}

#[test]
fn every_startup_packet_round_trips() {
    for p in [
        StartupPacket::SslRequest,
        StartupPacket::GssEncRequest,
        StartupPacket::Cancel(CancelRequest {
            pid: 9,
            key: Bytes::from_static(&[9, 9, 9, 9]),
        }),
        StartupPacket::Startup(StartupMessage {
            version: ProtocolVersion::V3_2,
            params: vec![("user".into(), "u".into()), ("database".into(), "d".into())],
        }),
    ] {
        let mut buf = BytesMut::new();
        p.encode(&mut buf);
        assert_eq!(StartupPacket::decode(&mut buf).unwrap().unwrap(), p);
        assert!(buf.is_empty());
    }
}

#[test]
fn sasl_and_password_bodies_decode() {
    let init = SaslInitialResponse {
        mechanism: "SCRAM-SHA-256".into(),
        data: None,
    };
    assert_eq!(
        SaslInitialResponse::decode(init.to_message().body).unwrap(),
        init
    );
    assert_eq!(
        PasswordMessage::from_password("pw").password().unwrap(),
        "pw"
    );
}

#[test]
fn partial_frames_wait_for_more_bytes() {
    let mut whole = BytesMut::new();
    FrontendMessage::Query(Query {
        sql: "SELECT 1".into(),
    })
    .encode(&mut whole);
    for cut in 0..whole.len() {
        let mut part = BytesMut::from(&whole[..cut]);
        assert_eq!(
            decode_frontend(&mut part, DEFAULT_MAX_MESSAGE_LEN).unwrap(),
            None
        );
    }
}

/// Recognizes the error a malformed frame must produce.
type Expect = fn(&CodecError) -> bool;

/// (description, bytes, expected error) for frames that must be refused.
#[test]
fn malformed_frames_are_refused() {
    let cases: Vec<(&str, Vec<u8>, Expect)> = vec![
        ("length 3", vec![b'Q', 0, 0, 0, 3], |e| {
            matches!(e, CodecError::InvalidLength(3))
        }),
        ("negative length", vec![b'Q', 0xff, 0xff, 0xff, 0xff], |e| {
            matches!(e, CodecError::InvalidLength(-1))
        }),
        ("over the cap", vec![b'Q', 0, 0, 1, 0], |e| {
            matches!(e, CodecError::TooLarge { .. })
        }),
        ("unknown type", vec![b'@', 0, 0, 0, 4], |e| {
            matches!(e, CodecError::UnknownFrontendTag(b'@'))
        }),
        ("query without NUL", vec![b'Q', 0, 0, 0, 5, b'x'], |e| {
            matches!(e, CodecError::Malformed { .. })
        }),
        ("sync with a body", vec![b'S', 0, 0, 0, 5, 0], |e| {
            matches!(e, CodecError::Malformed { .. })
        }),
        ("execute truncated", vec![b'E', 0, 0, 0, 6, 0, 1], |e| {
            matches!(e, CodecError::Malformed { .. })
        }),
        (
            "describe bad target",
            vec![b'D', 0, 0, 0, 6, b'X', 0],
            |e| matches!(e, CodecError::Malformed { .. }),
        ),
        (
            "bind with negative format count",
            vec![b'B', 0, 0, 0, 8, 0, 0, 0xff, 0xff],
            |e| matches!(e, CodecError::Malformed { .. }),
        ),
        (
            "bind with a value running past the end",
            vec![b'B', 0, 0, 0, 14, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9],
            |e| matches!(e, CodecError::Malformed { .. }),
        ),
        (
            "parse with too many types",
            vec![b'P', 0, 0, 0, 8, 0, 0, 0x7f, 0xff],
            |e| matches!(e, CodecError::Malformed { .. }),
        ),
        ("invalid utf-8", vec![b'Q', 0, 0, 0, 6, 0xff, 0], |e| {
            matches!(e, CodecError::InvalidUtf8(_))
        }),
    ];
    for (what, bytes, expected) in cases {
        let mut buf = BytesMut::from(&bytes[..]);
        match decode_frontend(&mut buf, 255) {
            Err(e) => assert!(expected(&e), "{what}: unexpected error {e:?}"),
            Ok(m) => panic!("{what}: accepted as {m:?}"),
        }
    }
}

#[test]
fn startup_limits() {
    let mut too_big = BytesMut::from(&10_001u32.to_be_bytes()[..]);
    too_big.extend_from_slice(&[0; 8]);
    assert!(matches!(
        StartupPacket::decode(&mut too_big),
        Err(CodecError::TooLarge { .. })
    ));
    let mut too_small = BytesMut::from(&[0u8, 0, 0, 7, 0, 0, 0][..]);
    assert!(matches!(
        StartupPacket::decode(&mut too_small),
        Err(CodecError::InvalidLength(7))
    ));
    let mut v2 = BytesMut::from(&[0u8, 0, 0, 8, 0, 2, 0, 0][..]);
    assert!(matches!(
        StartupPacket::decode(&mut v2),
        Err(CodecError::UnsupportedProtocol { major: 2, minor: 0 })
    ));
    let mut short_key = BytesMut::from(&[0u8, 0, 0, 14, 4, 0xd2, 0x16, 0x2e, 0, 0, 0, 1, 0, 0][..]);
    assert!(StartupPacket::decode(&mut short_key).is_err());
}

proptest! {
    #[test]
    fn arbitrary_frontend_bytes_never_panic(tag in any::<u8>(), body in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = FrontendMessage::decode(tag, Bytes::from(body));
    }

    #[test]
    fn arbitrary_backend_bytes_never_panic(tag in any::<u8>(), body in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = BackendMessage::decode(tag, Bytes::from(body));
    }

    #[test]
    fn arbitrary_streams_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut buf = BytesMut::from(&bytes[..]);
        while let Ok(Some(_)) = decode_frontend(&mut buf, 1024) {}
        let mut buf = BytesMut::from(&bytes[..]);
        let _ = StartupPacket::decode(&mut buf);
    }

    #[test]
    fn queries_round_trip(sql in "[^\u{0}]{0,200}") {
        let msg = FrontendMessage::Query(Query { sql });
        let mut buf = BytesMut::new();
        msg.encode(&mut buf);
        prop_assert_eq!(decode_frontend(&mut buf, DEFAULT_MAX_MESSAGE_LEN).unwrap().unwrap(), msg);
    }

    #[test]
    fn binds_round_trip(
        portal in "[a-z]{0,8}",
        params in proptest::collection::vec(proptest::option::of(proptest::collection::vec(any::<u8>(), 0..16)), 0..8),
        formats in proptest::collection::vec(0i16..2, 0..8),
    ) {
        let msg = FrontendMessage::Bind(Bind {
            portal,
            statement: "s".into(),
            param_formats: formats.clone(),
            params: params.into_iter().map(|p| p.map(Bytes::from)).collect(),
            result_formats: formats,
        });
        let mut buf = BytesMut::new();
        msg.encode(&mut buf);
        prop_assert_eq!(decode_frontend(&mut buf, DEFAULT_MAX_MESSAGE_LEN).unwrap().unwrap(), msg);
    }
}
