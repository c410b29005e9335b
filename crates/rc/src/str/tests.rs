//! `RcStr` and `StrBuf`: text and header kept together, growth, and the drop of the header.

use super::*;
use crate::testutil::*;

#[test]
fn new_copies_the_text_and_keeps_the_header() {
    let s = RcStr::new(String::from("ctx"), "héllo wörld");
    assert_eq!(s.to_str(), "héllo wörld");
    assert_eq!(s.len(), "héllo wörld".len());
    assert_eq!(s.header(), "ctx");
    assert!(!s.is_empty());
}

#[test]
fn concat_joins_parts_in_order() {
    let s = RcStr::concat((), &["a", "", "βγ", "d"]);
    assert_eq!(s.to_str(), "aβγd");
    assert_eq!(RcStr::concat((), &[]).to_str(), "");
    assert_eq!(RcStr::concat((), &["only"]).to_str(), "only");
    assert!(RcStr::concat((), &["", ""]).is_empty());
}

#[test]
fn clones_share_one_allocation_and_drop_the_header_once() {
    let drops = Drops::new();
    let a = RcStr::new(drops.make("header"), "x");
    let b = a.clone();
    assert!(a.ptr_eq(&b));
    assert_eq!(a.as_ptr(), b.as_ptr());
    assert_eq!(a.strong_count(), 2);
    drop(a);
    assert_eq!(drops.count(), 0);
    assert_eq!(b.strong_count(), 1);
    drop(b);
    assert_eq!(drops.log(), ["header"]);
    let c = RcStr::new((), "x");
    assert!(!c.ptr_eq(&RcStr::new((), "x")));
}

#[test]
fn debug_shows_header_and_text() {
    let s = RcStr::new(1u8, "t");
    assert_eq!(format!("{s:?}"), r#"RcStr { header: 1, text: "t" }"#);
}

#[test]
fn copy_from_and_concat_of_slices() {
    let s = RcSlice::copy_from(9u8, &[1u16, 2, 3]);
    assert_eq!(s.items(), &[1, 2, 3]);
    assert_eq!(*s.header(), 9);
    let c = RcSlice::concat((), [&[1u64][..], &[], &[2, 3]]);
    assert_eq!(c.items(), &[1, 2, 3]);
    assert!(RcSlice::<(), u8>::concat((), []).is_empty());
}

#[test]
fn strbuf_grows_and_finishes_without_losing_text() {
    let mut b = StrBuf::<Counted>::new();
    assert_eq!(b.as_bytes(), b"");
    assert!(b.is_empty());
    let mut expect = String::new();
    for i in 0..1000 {
        let piece = format!("{i}é,");
        b.push_str(&piece);
        expect.push_str(&piece);
        assert_eq!(b.len(), expect.len());
    }
    b.push('ß');
    expect.push('ß');
    assert_eq!(b.as_bytes(), expect.as_bytes());
    let drops = Drops::new();
    let s = b.finish(drops.make("h"));
    assert_eq!(s.as_bytes(), expect.as_bytes());
    assert_eq!(s.len(), expect.len());
    drop(s);
    assert_eq!(drops.log(), ["h"]);
}

#[test]
fn strbuf_empty_and_exact_capacity() {
    assert_eq!(StrBuf::<u64>::new().finish(1).to_str(), "");
    let mut b = StrBuf::<u64>::with_capacity(5);
    b.push_str("abcde");
    assert_eq!(b.finish(0).to_str(), "abcde");
    let mut b = StrBuf::<u64>::with_capacity(100);
    b.push_str("x");
    assert_eq!(b.finish(0).to_str(), "x");
    // Dropped without finishing: the block is freed (Miri checks for leaks).
    let mut b = StrBuf::<String>::with_capacity(10);
    b.push_str("left");
    drop(b);
}

#[test]
fn strbuf_formats() {
    use std::fmt::Write;
    let mut b = StrBuf::<()>::default();
    write!(b, "{}-{:?}", 1, "q").unwrap();
    assert_eq!(format!("{b:?}"), r#""1-\"q\"""#);
    assert_eq!(b.finish(()).to_str(), r#"1-"q""#);
}

#[test]
fn bytes_that_are_not_utf8_are_kept_as_they_are() {
    // "é" is 0xc3 0xa9; each half alone is not UTF-8.
    let e = "é".as_bytes();
    let s = RcStr::from_bytes((), &e[..1]);
    assert_eq!(s.as_bytes(), b"\xc3");
    assert_eq!(s.to_str(), "\u{fffd}");
    let t = RcStr::concat_bytes((), &[&e[1..], s.as_bytes(), b""]);
    assert_eq!(t.as_bytes(), b"\xa9\xc3");
    let u = RcStr::concat_bytes((), &[s.as_bytes(), &e[1..]]);
    assert_eq!(u.to_str(), "é");
    let mut b = StrBuf::<()>::new();
    b.push_bytes(&e[..1]);
    b.push_str("!");
    b.push_bytes(&e[1..]);
    assert_eq!(b.finish(()).as_bytes(), b"\xc3!\xa9");
}
