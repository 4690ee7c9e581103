'use strict';

// CityHash128 as of CityHash v1.0.2, the version ClickHouse froze for the
// checksums of its compressed blocks (later CityHash releases changed the
// function, so no other version can stand in). No npm package provides this
// version; this is a transcription of the reference code, with 64-bit
// arithmetic done on BigInts wrapped to 64 bits. Checked against the
// clickhouse-java driver's own implementation, which verifies every block it
// reads (see LocalClickHouseEngineTest).

const MASK = (1n << 64n) - 1n;
const K0 = 0xc3a5c85c97cb3127n;
const K1 = 0xb492b66fbe98f273n;
const K2 = 0x9ae16a3b2f90404fn;
const K3 = 0xc949d7c7509e6557n;
const K_MUL = 0x9ddfea08eb382d69n;

function u64(value) {
  return value & MASK;
}

function mul(a, b) {
  return (a * b) & MASK;
}

function rotate(value, shift) {
  return shift === 0 ? value : ((value >> BigInt(shift)) | (value << BigInt(64 - shift))) & MASK;
}

function shiftMix(value) {
  return value ^ (value >> 47n);
}

function hashLen16(u, v) {
  let a = mul(u ^ v, K_MUL);
  a ^= a >> 47n;
  let b = mul(v ^ a, K_MUL);
  b ^= b >> 47n;
  return mul(b, K_MUL);
}

class Bytes {
  constructor(buffer) {
    this.buffer = buffer;
  }

  fetch64(position) {
    return this.buffer.readBigUInt64LE(position);
  }

  fetch32(position) {
    return BigInt(this.buffer.readUInt32LE(position));
  }
}

function hashLen0to16(s, position, length) {
  if (length > 8) {
    const a = s.fetch64(position);
    const b = s.fetch64(position + length - 8);
    return hashLen16(a, rotate(u64(b + BigInt(length)), length)) ^ b;
  }
  if (length >= 4) {
    const a = s.fetch32(position);
    return hashLen16(u64((a << 3n) + BigInt(length)), s.fetch32(position + length - 4));
  }
  if (length > 0) {
    const a = BigInt(s.buffer[position]);
    const b = BigInt(s.buffer[position + (length >> 1)]);
    const c = BigInt(s.buffer[position + length - 1]);
    const y = a + (b << 8n);
    const z = BigInt(length) + (c << 2n);
    return mul(shiftMix(mul(y, K2) ^ mul(z, K3)), K2);
  }
  return K2;
}

function weakHashLen32WithSeeds(s, position, seedA, seedB) {
  const w = s.fetch64(position);
  const x = s.fetch64(position + 8);
  const y = s.fetch64(position + 16);
  const z = s.fetch64(position + 24);
  let a = u64(seedA + w);
  let b = rotate(u64(seedB + a + z), 21);
  const c = a;
  a = u64(a + x + y);
  b = u64(b + rotate(a, 44));
  return [u64(a + z), u64(b + c)];
}

function cityMurmur(s, start, length, seed0, seed1) {
  let position = start;
  let a = seed0;
  let b = seed1;
  let c;
  let d;
  let remaining = length - 16;
  if (remaining <= 0) {
    a = mul(shiftMix(mul(a, K1)), K1);
    c = u64(mul(b, K1) + hashLen0to16(s, position, length));
    d = shiftMix(u64(a + (length >= 8 ? s.fetch64(position) : c)));
  } else {
    c = hashLen16(u64(s.fetch64(position + length - 8) + K1), a);
    d = hashLen16(u64(b + BigInt(length)), u64(c + s.fetch64(position + length - 16)));
    a = u64(a + d);
    do {
      a ^= mul(shiftMix(mul(s.fetch64(position), K1)), K1);
      a = mul(a, K1);
      b ^= a;
      c ^= mul(shiftMix(mul(s.fetch64(position + 8), K1)), K1);
      c = mul(c, K1);
      d ^= c;
      position += 16;
      remaining -= 16;
    } while (remaining > 0);
  }
  a = hashLen16(a, c);
  b = hashLen16(d, b);
  return [a ^ b, hashLen16(b, a)];
}

function cityHash128WithSeed(s, start, length, seed0, seed1) {
  if (length < 128) {
    return cityMurmur(s, start, length, seed0, seed1);
  }
  let position = start;
  let remaining = length;
  let x = seed0;
  let y = seed1;
  let z = mul(K1, BigInt(length));
  let v0 = u64(mul(rotate(y ^ K1, 49), K1) + s.fetch64(position));
  let v1 = u64(mul(rotate(v0, 42), K1) + s.fetch64(position + 8));
  let w0 = u64(mul(rotate(u64(y + z), 35), K1) + x);
  let w1 = mul(rotate(u64(x + s.fetch64(position + 88)), 53), K1);
  // The reference code unrolls this loop twice; each half consumes 64 bytes.
  do {
    for (let half = 0; half < 2; half++) {
      x = mul(rotate(u64(x + y + v0 + s.fetch64(position + 16)), 37), K1);
      y = mul(rotate(u64(y + v1 + s.fetch64(position + 48)), 42), K1);
      x ^= w1;
      y ^= v0;
      z = rotate(z ^ w0, 33);
      [v0, v1] = weakHashLen32WithSeeds(s, position, mul(v1, K1), u64(x + w0));
      [w0, w1] = weakHashLen32WithSeeds(s, position + 32, u64(z + w1), y);
      [z, x] = [x, z];
      position += 64;
    }
    remaining -= 128;
  } while (remaining >= 128);
  y = u64(y + mul(rotate(w0, 37), K0) + z);
  x = u64(x + mul(rotate(u64(v0 + z), 49), K0));
  // Up to four 32-byte chunks from the end of the input.
  for (let tailDone = 0; tailDone < remaining;) {
    tailDone += 32;
    y = u64(mul(rotate(u64(y - x), 42), K0) + v1);
    w0 = u64(w0 + s.fetch64(position + remaining - tailDone + 16));
    x = u64(mul(rotate(x, 49), K0) + w0);
    w0 = u64(w0 + v0);
    [v0, v1] = weakHashLen32WithSeeds(s, position + remaining - tailDone, v0, v1);
  }
  x = hashLen16(x, v0);
  y = hashLen16(y, w0);
  return [u64(hashLen16(u64(x + v1), w1) + y), hashLen16(u64(x + w1), u64(y + v1))];
}

// The 128-bit hash of buffer[start, start + length) as [low, high] 64-bit BigInts.
function cityHash128(buffer, start = 0, length = buffer.length - start) {
  const s = new Bytes(buffer);
  if (length >= 16) {
    return cityHash128WithSeed(s, start + 16, length - 16, s.fetch64(start) ^ K3, s.fetch64(start + 8));
  }
  if (length >= 8) {
    return cityHash128WithSeed(s, 0, 0, s.fetch64(start) ^ mul(BigInt(length), K0), s.fetch64(start + length - 8) ^ K1);
  }
  return cityHash128WithSeed(s, start, length, K0, K1);
}

module.exports = { cityHash128 };
