'use strict';

// ClickHouse's native compression of HTTP bodies: `compress=1` asks for the
// response in it, `decompress=1` says the request body is in it. The body is
// a sequence of blocks, each
//
//   16 bytes  CityHash128 v1.0.2 of the rest of the block (low, high; little endian)
//    1 byte   method: 0x82 LZ4, 0x02 none, 0x90 ZSTD
//    4 bytes  size of the block without the checksum (header included), LE
//    4 bytes  size of the data once decompressed, LE
//    ...      the data, as one raw LZ4 block for 0x82
//
// as ClickHouse's CompressedWriteBuffer writes it and CompressedReadBuffer
// checks it. Blocks are compressed with LZ4, as ClickHouse does by default
// and as clickhouse-java expects (it reads nothing but LZ4 blocks).

const lz4 = require('lz4js');
const { cityHash128 } = require('./cityhash');
const { ClickHouseError } = require('./errors');

const CHECKSUM_SIZE = 16;
const HEADER_SIZE = 9;
const METHOD_LZ4 = 0x82;
const METHOD_NONE = 0x02;
const METHOD_ZSTD = 0x90;
// ClickHouse compresses what fills its 1 MiB write buffer into one block.
const MAX_BLOCK_SIZE = 1 << 20;
// A block that claims more than this is refused before anything is allocated
// (ClickHouse's own limit on a compressed block is 1 GiB).
const MAX_DECLARED_SIZE = 1 << 30;
// LZ4's format: the last 5 bytes of a block are literals, and lz4js leaves
// inputs shorter than 13 bytes uncompressed.
const LZ4_RUN_MASK = 15;

// The blocks for `data`: one per MiB, the last one shorter.
function compressBlocks(data) {
  const blocks = [];
  for (let start = 0; start < data.length; start += MAX_BLOCK_SIZE) {
    blocks.push(compressBlock(data.subarray(start, Math.min(data.length, start + MAX_BLOCK_SIZE))));
  }
  return blocks;
}

function compressBlock(data) {
  const bound = lz4.compressBound(data.length) + 16;
  const block = Buffer.alloc(CHECKSUM_SIZE + HEADER_SIZE + bound);
  const payload = block.subarray(CHECKSUM_SIZE + HEADER_SIZE);
  // lz4js's shared hash table is not cleared between calls, so each block gets its own.
  let compressedSize = lz4.compressBlock(data, payload, 0, data.length, new Uint32Array(1 << 16));
  if (compressedSize === 0) {
    // lz4js found nothing to match and wrote nothing: the block is all literals.
    compressedSize = literalBlock(data, payload);
  }
  const sizeWithHeader = HEADER_SIZE + compressedSize;
  block[CHECKSUM_SIZE] = METHOD_LZ4;
  block.writeUInt32LE(sizeWithHeader, CHECKSUM_SIZE + 1);
  block.writeUInt32LE(data.length, CHECKSUM_SIZE + 5);
  const [low, high] = cityHash128(block, CHECKSUM_SIZE, sizeWithHeader);
  block.writeBigUInt64LE(low, 0);
  block.writeBigUInt64LE(high, 8);
  return block.subarray(0, CHECKSUM_SIZE + sizeWithHeader);
}

// One LZ4 sequence with no match: a token, the length, the bytes.
function literalBlock(data, output) {
  let position = 0;
  if (data.length >= LZ4_RUN_MASK) {
    output[position++] = LZ4_RUN_MASK << 4;
    let remaining = data.length - LZ4_RUN_MASK;
    for (; remaining >= 255; remaining -= 255) {
      output[position++] = 255;
    }
    output[position++] = remaining;
  } else {
    output[position++] = data.length << 4;
  }
  data.copy(output, position);
  return position + data.length;
}

// The data of a body made of compressed blocks, each checked as ClickHouse
// checks it (CHECKSUM_DOESNT_MATCH for a damaged block).
function decompressBlocks(body) {
  const parts = [];
  let position = 0;
  while (position < body.length) {
    if (body.length - position < CHECKSUM_SIZE + HEADER_SIZE) {
      throw ClickHouseError.of(432, 'CANNOT_DECOMPRESS', 'Cannot decompress: the compressed body ends inside a block header');
    }
    const method = body[position + CHECKSUM_SIZE];
    const sizeWithHeader = body.readUInt32LE(position + CHECKSUM_SIZE + 1);
    const size = body.readUInt32LE(position + CHECKSUM_SIZE + 5);
    if (sizeWithHeader < HEADER_SIZE || sizeWithHeader > MAX_DECLARED_SIZE || size > MAX_DECLARED_SIZE) {
      throw ClickHouseError.of(271, 'CANNOT_DECOMPRESS', `Too large size_compressed_without_checksum: ${sizeWithHeader}`);
    }
    const end = position + CHECKSUM_SIZE + sizeWithHeader;
    if (end > body.length) {
      throw ClickHouseError.of(271, 'CANNOT_DECOMPRESS', 'Cannot decompress: the compressed body ends inside a block');
    }
    verifyChecksum(body, position, sizeWithHeader);
    const payload = body.subarray(position + CHECKSUM_SIZE + HEADER_SIZE, end);
    parts.push(decompressPayload(method, payload, size));
    position = end;
  }
  return Buffer.concat(parts);
}

function verifyChecksum(body, position, sizeWithHeader) {
  const [low, high] = cityHash128(body, position + CHECKSUM_SIZE, sizeWithHeader);
  const expectedLow = body.readBigUInt64LE(position);
  const expectedHigh = body.readBigUInt64LE(position + 8);
  if (low !== expectedLow || high !== expectedHigh) {
    throw ClickHouseError.of(40, 'CHECKSUM_DOESNT_MATCH', 'Checksum doesn\'t match: corrupted data. '
      + `Reference: ${hex(expectedHigh)}${hex(expectedLow)}. Actual: ${hex(high)}${hex(low)}. `
      + `Size of compressed block: ${sizeWithHeader}`);
  }
}

function decompressPayload(method, payload, size) {
  if (method === METHOD_NONE) {
    if (payload.length !== size) {
      throw ClickHouseError.of(271, 'CANNOT_DECOMPRESS', 'Cannot decompress: an uncompressed block has the wrong size');
    }
    return payload;
  }
  if (method === METHOD_LZ4) {
    const data = Buffer.alloc(size);
    let written;
    try {
      written = lz4.decompressBlock(payload, data, 0, payload.length, 0);
    } catch (error) {
      written = -1;
    }
    if (written !== size) {
      throw ClickHouseError.of(271, 'CANNOT_DECOMPRESS', 'Cannot decompress LZ4-encoded data: the block is malformed');
    }
    return data;
  }
  if (method === METHOD_ZSTD) {
    throw ClickHouseError.of(48, 'NOT_IMPLEMENTED', 'The local ClickHouse engine reads only LZ4 and uncompressed blocks, not ZSTD');
  }
  throw ClickHouseError.of(89, 'UNKNOWN_COMPRESSION_METHOD', `Unknown compression method: ${method}`);
}

function hex(value) {
  return value.toString(16).padStart(16, '0');
}

module.exports = { compressBlocks, decompressBlocks };
