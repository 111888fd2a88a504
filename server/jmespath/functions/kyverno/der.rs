//! A small DER reader in the style of Go's `cryptobyte`: enough to walk X.509 certificates and
//! certificate requests while keeping the raw bytes Go exposes (`Raw`, `RawSubject`, ...).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    /// 0 universal, 1 application, 2 context-specific, 3 private.
    pub class: u8,
    pub constructed: bool,
    pub number: u32,
}

impl Tag {
    pub const BOOLEAN: Tag = Tag::universal(1, false);
    pub const INTEGER: Tag = Tag::universal(2, false);
    pub const BIT_STRING: Tag = Tag::universal(3, false);
    pub const OCTET_STRING: Tag = Tag::universal(4, false);
    pub const OID: Tag = Tag::universal(6, false);
    pub const UTF8_STRING: Tag = Tag::universal(12, false);
    pub const SEQUENCE: Tag = Tag::universal(16, true);
    pub const SET: Tag = Tag::universal(17, true);
    pub const NUMERIC_STRING: Tag = Tag::universal(18, false);
    pub const PRINTABLE_STRING: Tag = Tag::universal(19, false);
    pub const T61_STRING: Tag = Tag::universal(20, false);
    pub const IA5_STRING: Tag = Tag::universal(22, false);
    pub const UTC_TIME: Tag = Tag::universal(23, false);
    pub const GENERALIZED_TIME: Tag = Tag::universal(24, false);
    pub const BMP_STRING: Tag = Tag::universal(30, false);

    pub const fn universal(number: u32, constructed: bool) -> Tag {
        Tag {
            class: 0,
            constructed,
            number,
        }
    }

    pub const fn context(number: u32, constructed: bool) -> Tag {
        Tag {
            class: 2,
            constructed,
            number,
        }
    }
}

/// One element: its tag, its contents and its full encoding.
#[derive(Debug, Clone, Copy)]
pub struct Element<'a> {
    pub tag: Tag,
    pub content: &'a [u8],
    pub full: &'a [u8],
}

/// A cursor over DER bytes.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    fn parse_header(&self) -> Option<(Tag, usize, usize)> {
        let d = self.data;
        let first = *d.first()?;
        let class = first >> 6;
        let constructed = first & 0x20 != 0;
        let mut number = (first & 0x1f) as u32;
        let mut i = 1;
        if number == 0x1f {
            number = 0;
            loop {
                let b = *d.get(i)?;
                i += 1;
                if number > (u32::MAX >> 7) {
                    return None;
                }
                number = (number << 7) | (b & 0x7f) as u32;
                if b & 0x80 == 0 {
                    break;
                }
            }
            if number < 0x1f {
                return None;
            }
        }
        let len_byte = *d.get(i)?;
        i += 1;
        let length = if len_byte & 0x80 == 0 {
            len_byte as usize
        } else {
            let n = (len_byte & 0x7f) as usize;
            if n == 0 || n > 4 {
                return None; // indefinite or absurd lengths are not DER
            }
            let mut l = 0usize;
            for _ in 0..n {
                l = (l << 8) | *d.get(i)? as usize;
                i += 1;
            }
            // DER: minimal length encoding.
            if l < 0x80 || (n > 1 && l >> ((n - 1) * 8) == 0) {
                return None;
            }
            l
        };
        if d.len() - i < length {
            return None;
        }
        Some((
            Tag {
                class,
                constructed,
                number,
            },
            i,
            length,
        ))
    }

    pub fn peek_tag(&self) -> Option<Tag> {
        self.parse_header().map(|(t, _, _)| t)
    }

    /// Reads any element.
    pub fn read_any(&mut self) -> Option<Element<'a>> {
        let (tag, header, length) = self.parse_header()?;
        let full = &self.data[..header + length];
        let content = &self.data[header..header + length];
        self.data = &self.data[header + length..];
        Some(Element { tag, content, full })
    }

    /// Reads an element with the given tag.
    pub fn read(&mut self, tag: Tag) -> Option<Element<'a>> {
        if self.peek_tag()? != tag {
            return None;
        }
        self.read_any()
    }

    /// Reads an element if the next one has this tag; `Ok(None)` if it has another tag or
    /// the data is exhausted, `Err` if it is malformed.
    pub fn read_optional(&mut self, tag: Tag) -> Result<Option<Element<'a>>, ()> {
        if self.is_empty() {
            return Ok(None);
        }
        match self.parse_header() {
            Some((t, _, _)) if t == tag => Ok(self.read_any()),
            Some(_) => Ok(None),
            None => Err(()),
        }
    }
}

/// The contents of an INTEGER as a big-endian two's complement number, checked for DER.
pub fn integer_bytes(content: &[u8]) -> Option<&[u8]> {
    if content.is_empty() {
        return None;
    }
    if content.len() > 1
        && ((content[0] == 0 && content[1] & 0x80 == 0)
            || (content[0] == 0xff && content[1] & 0x80 != 0))
    {
        return None; // not minimally encoded
    }
    Some(content)
}

/// An INTEGER that fits an i64.
pub fn integer_i64(content: &[u8]) -> Option<i64> {
    let b = integer_bytes(content)?;
    if b.len() > 8 {
        return None;
    }
    let mut v: i64 = if b[0] & 0x80 != 0 { -1 } else { 0 };
    for &x in b {
        v = (v << 8) | x as i64;
    }
    Some(v)
}

/// Decimal digits of a big-endian unsigned magnitude.
pub fn unsigned_decimal(bytes: &[u8]) -> String {
    let mut limbs: Vec<u32> = Vec::new(); // little-endian base 2^32
    let mut padded = bytes.to_vec();
    while padded.len() % 4 != 0 {
        padded.insert(0, 0);
    }
    for chunk in padded.chunks(4).rev() {
        limbs.push(u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]));
    }
    while limbs.last() == Some(&0) {
        limbs.pop();
    }
    if limbs.is_empty() {
        return "0".into();
    }
    let mut parts: Vec<u32> = Vec::new(); // base 1e9, least significant first
    while !limbs.is_empty() {
        let mut rem: u64 = 0;
        for limb in limbs.iter_mut().rev() {
            let cur = (rem << 32) | *limb as u64;
            *limb = (cur / 1_000_000_000) as u32;
            rem = cur % 1_000_000_000;
        }
        parts.push(rem as u32);
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
    }
    let mut out = parts.last().map(|p| p.to_string()).unwrap_or_default();
    for p in parts.iter().rev().skip(1) {
        out.push_str(&format!("{p:09}"));
    }
    out
}

/// A two's complement INTEGER as decimal text (`big.Int.String()`).
pub fn integer_decimal(b: &[u8]) -> String {
    if b.first().is_some_and(|&x| x & 0x80 != 0) {
        // Negative: magnitude = two's complement of the bytes.
        let mut mag = b.to_vec();
        for x in mag.iter_mut() {
            *x = !*x;
        }
        for x in mag.iter_mut().rev() {
            let (v, carry) = x.overflowing_add(1);
            *x = v;
            if !carry {
                break;
            }
        }
        format!("-{}", unsigned_decimal(&mag))
    } else {
        unsigned_decimal(b)
    }
}

/// The arcs of an OBJECT IDENTIFIER (arbitrarily large arcs as decimal text).
pub fn oid_arcs(content: &[u8]) -> Option<Vec<String>> {
    if content.is_empty() || content[content.len() - 1] & 0x80 != 0 {
        return None;
    }
    let mut values: Vec<Vec<u8>> = Vec::new(); // each arc as big-endian bytes of 7-bit groups
    let mut cur: Vec<u8> = Vec::new();
    for (i, &b) in content.iter().enumerate() {
        if cur.is_empty() && b == 0x80 {
            return None; // leading zero group
        }
        cur.push(b & 0x7f);
        if b & 0x80 == 0 {
            values.push(std::mem::take(&mut cur));
        }
        let _ = i;
    }
    let to_u128 = |groups: &[u8]| -> Option<u128> {
        let mut v: u128 = 0;
        for &g in groups {
            if v > (u128::MAX >> 7) {
                return None;
            }
            v = (v << 7) | g as u128;
        }
        Some(v)
    };
    let mut arcs = Vec::new();
    for (i, groups) in values.iter().enumerate() {
        let v = to_u128(groups)?;
        if i == 0 {
            if v < 80 {
                arcs.push((v / 40).to_string());
                arcs.push((v % 40).to_string());
            } else {
                arcs.push("2".into());
                arcs.push((v - 80).to_string());
            }
        } else {
            arcs.push(v.to_string());
        }
    }
    Some(arcs)
}

/// A BIT STRING: (padding bits, bytes), checked like cryptobyte's `ReadASN1BitString`.
pub fn bit_string(content: &[u8]) -> Option<(u8, &[u8])> {
    let (&padding, bytes) = content.split_first()?;
    if padding > 7 || (bytes.is_empty() && padding != 0) {
        return None;
    }
    let mask = ((1u16 << padding) - 1) as u8;
    if bytes.last().is_some_and(|&last| last & mask != 0) {
        return None;
    }
    Some((padding, bytes))
}

/// Go's `BitString.RightAlign`.
pub fn right_align(padding: u8, bytes: &[u8]) -> Vec<u8> {
    let bit_length = bytes.len() * 8 - padding as usize;
    let shift = 8 - (bit_length % 8) as u32;
    if shift == 8 || bytes.is_empty() {
        return bytes.to_vec();
    }
    let mut a = vec![0u8; bytes.len()];
    a[0] = bytes[0] >> shift;
    for i in 1..bytes.len() {
        a[i] = bytes[i - 1] << (8 - shift);
        a[i] |= bytes[i] >> shift;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        assert_eq!(unsigned_decimal(&[]), "0");
        assert_eq!(unsigned_decimal(&[0x01, 0x00]), "256");
        assert_eq!(unsigned_decimal(&[0xff; 16]), u128::MAX.to_string());
        assert_eq!(integer_decimal(&[0xff]), "-1");
        assert_eq!(integer_decimal(&[0x80]), "-128");
        assert_eq!(integer_decimal(&[0x00, 0x80]), "128");
    }

    #[test]
    fn oids() {
        assert_eq!(oid_arcs(&[0x55, 0x04, 0x03]).unwrap(), ["2", "5", "4", "3"]);
        assert_eq!(
            oid_arcs(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]).unwrap(),
            ["1", "2", "840", "113549", "1", "1", "1"]
        );
        assert!(oid_arcs(&[0x2a, 0x86]).is_none());
    }

    #[test]
    fn reader() {
        let data = [0x30, 0x03, 0x02, 0x01, 0x05, 0xff];
        let mut r = Reader::new(&data);
        let seq = r.read(Tag::SEQUENCE).unwrap();
        assert_eq!(seq.full.len(), 5);
        let mut inner = Reader::new(seq.content);
        let int = inner.read(Tag::INTEGER).unwrap();
        assert_eq!(integer_i64(int.content), Some(5));
        assert!(r.read_any().is_none());
    }
}
