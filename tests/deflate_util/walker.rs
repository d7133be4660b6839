//! A test-only RFC 1951 DEFLATE decoder that records the largest back-reference distance,
//! written from the RFC (not from any library) so it can judge every backend's output.
//!
//! `Walker` keeps the decoded history across messages (context takeover); `reset` forgets
//! it. `message` decodes one permessage-deflate payload with the `00 00 ff ff` tail added
//! back and returns the bytes.

#![allow(dead_code)]

const LBASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LEXT: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DBASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DEXT: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
const ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// Canonical Huffman code: symbols sorted by code, and the count of codes per length.
struct Huffman {
    count: [u16; 16],
    symbol: Vec<u16>,
}

impl Huffman {
    fn new(lengths: &[u8]) -> Result<Huffman, String> {
        let mut count = [0u16; 16];
        for &l in lengths {
            count[l as usize] += 1;
        }
        count[0] = 0;
        // Over-subscribed sets are invalid (incomplete ones are allowed, as zlib does for
        // single-code distance trees).
        let mut left: i32 = 1;
        for &c in &count[1..] {
            left <<= 1;
            left -= i32::from(c);
            if left < 0 {
                return Err("over-subscribed code".into());
            }
        }
        let mut offs = [0u16; 16];
        for len in 1..15 {
            offs[len + 1] = offs[len] + count[len];
        }
        let mut symbol = vec![0u16; lengths.len()];
        for (sym, &l) in lengths.iter().enumerate() {
            if l != 0 {
                symbol[offs[l as usize] as usize] = sym as u16;
                offs[l as usize] += 1;
            }
        }
        Ok(Huffman { count, symbol })
    }
}

struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    bit: u32,
}

impl Bits<'_> {
    fn bit(&mut self) -> Result<u32, String> {
        let byte = *self.data.get(self.pos).ok_or("out of input")?;
        let b = (u32::from(byte) >> self.bit) & 1;
        self.bit += 1;
        if self.bit == 8 {
            self.bit = 0;
            self.pos += 1;
        }
        Ok(b)
    }

    fn bits(&mut self, n: u32) -> Result<u32, String> {
        let mut v = 0;
        for i in 0..n {
            v |= self.bit()? << i;
        }
        Ok(v)
    }

    fn align(&mut self) {
        if self.bit != 0 {
            self.bit = 0;
            self.pos += 1;
        }
    }

    fn decode(&mut self, h: &Huffman) -> Result<u16, String> {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code |= self.bit()? as i32;
            let count = i32::from(h.count[len]);
            if code - count < first {
                return Ok(h.symbol[(index + (code - first)) as usize]);
            }
            index += count;
            first += count;
            first <<= 1;
            code <<= 1;
        }
        Err("invalid Huffman code".into())
    }
}

/// What the walker saw.
#[derive(Default, Debug)]
pub struct Walker {
    history: Vec<u8>,
    /// The farthest back-reference seen since the walker was made.
    pub max_distance: usize,
    /// Block types seen: stored, fixed, dynamic.
    pub blocks: [usize; 3],
}

impl Walker {
    pub fn new() -> Walker {
        Walker::default()
    }

    /// Forgets the history (the sender reset its compressor).
    pub fn reset(&mut self) {
        self.history.clear();
    }

    /// Decodes one message payload (without its tail); returns the message.
    pub fn message(&mut self, payload: &[u8]) -> Result<Vec<u8>, String> {
        let mut data = payload.to_vec();
        data.extend_from_slice(&[0, 0, 0xff, 0xff]);
        let start = self.history.len();
        let mut bits = Bits {
            data: &data,
            pos: 0,
            bit: 0,
        };
        while bits.pos < data.len() {
            let last = bits.bits(1)?;
            if last == 1 {
                return Err("BFINAL block in a permessage-deflate message".into());
            }
            match bits.bits(2)? {
                0 => self.stored(&mut bits)?,
                1 => {
                    let mut lengths = [0u8; 288];
                    lengths[..144].fill(8);
                    lengths[144..256].fill(9);
                    lengths[256..280].fill(7);
                    lengths[280..].fill(8);
                    let lit = Huffman::new(&lengths)?;
                    let dist = Huffman::new(&[5; 30])?;
                    self.blocks[1] += 1;
                    self.codes(&mut bits, &lit, &dist)?;
                }
                2 => self.dynamic(&mut bits)?,
                _ => return Err("reserved block type".into()),
            }
        }
        if bits.bit != 0 {
            return Err("message does not end on a byte boundary".into());
        }
        let message = self.history[start..].to_vec();
        if self.history.len() > 1 << 17 {
            // DEFLATE never reaches back more than 32 KiB.
            let cut = self.history.len() - (1 << 15);
            self.history.drain(..cut);
        }
        Ok(message)
    }

    fn stored(&mut self, bits: &mut Bits<'_>) -> Result<(), String> {
        bits.align();
        let len = bits.bits(16)?;
        let nlen = bits.bits(16)?;
        if len != !nlen & 0xffff {
            return Err("stored block length mismatch".into());
        }
        for _ in 0..len {
            let b = bits.bits(8)? as u8;
            self.history.push(b);
        }
        self.blocks[0] += 1;
        Ok(())
    }

    fn dynamic(&mut self, bits: &mut Bits<'_>) -> Result<(), String> {
        let nlen = bits.bits(5)? as usize + 257;
        let ndist = bits.bits(5)? as usize + 1;
        let ncode = bits.bits(4)? as usize + 4;
        if nlen > 286 || ndist > 30 {
            return Err("bad counts".into());
        }
        let mut code_lengths = [0u8; 19];
        for &i in &ORDER[..ncode] {
            code_lengths[i] = bits.bits(3)? as u8;
        }
        let lencode = Huffman::new(&code_lengths)?;
        let mut lengths = vec![0u8; nlen + ndist];
        let mut i = 0;
        while i < nlen + ndist {
            let sym = bits.decode(&lencode)?;
            if sym < 16 {
                lengths[i] = sym as u8;
                i += 1;
            } else {
                let (value, repeat) = match sym {
                    16 => {
                        if i == 0 {
                            return Err("repeat with no previous length".into());
                        }
                        (lengths[i - 1], 3 + bits.bits(2)?)
                    }
                    17 => (0, 3 + bits.bits(3)?),
                    _ => (0, 11 + bits.bits(7)?),
                };
                for _ in 0..repeat {
                    *lengths.get_mut(i).ok_or("too many lengths")? = value;
                    i += 1;
                }
            }
        }
        if lengths[256] == 0 {
            return Err("no end-of-block code".into());
        }
        let lit = Huffman::new(&lengths[..nlen])?;
        let dist = Huffman::new(&lengths[nlen..])?;
        self.blocks[2] += 1;
        self.codes(bits, &lit, &dist)
    }

    fn codes(&mut self, bits: &mut Bits<'_>, lit: &Huffman, dist: &Huffman) -> Result<(), String> {
        loop {
            let sym = bits.decode(lit)? as usize;
            if sym < 256 {
                self.history.push(sym as u8);
            } else if sym == 256 {
                return Ok(());
            } else {
                let sym = sym - 257;
                if sym >= 29 {
                    return Err("invalid length symbol".into());
                }
                let len = LBASE[sym] as usize + bits.bits(u32::from(LEXT[sym]))? as usize;
                let dsym = bits.decode(dist)? as usize;
                if dsym >= 30 {
                    return Err("invalid distance symbol".into());
                }
                let distance = DBASE[dsym] as usize + bits.bits(u32::from(DEXT[dsym]))? as usize;
                if distance > self.history.len() {
                    return Err(format!(
                        "distance {distance} beyond the {} bytes of history",
                        self.history.len()
                    ));
                }
                self.max_distance = self.max_distance.max(distance);
                for _ in 0..len {
                    let b = self.history[self.history.len() - distance];
                    self.history.push(b);
                }
            }
        }
    }
}
