package grafana

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
)

// xz wraps data in the xz container format (tukaani.org/xz/xz-file-format.txt)
// with one LZMA2 block made of uncompressed chunks and a CRC32 check.
// Grafana's charm reads dashboards with Python's lzma.decompress, which
// takes any valid xz stream: the dashboard need not be small, only valid,
// and this keeps the charm free of a compression library.
func xz(data []byte) []byte {
	var out bytes.Buffer
	streamFlags := []byte{0x00, 0x01} // check type: CRC32
	// Stream header: magic, flags, CRC32 of the flags.
	out.Write([]byte{0xFD, '7', 'z', 'X', 'Z', 0x00})
	out.Write(streamFlags)
	out.Write(le32(crc32.ChecksumIEEE(streamFlags)))

	// Block header: size, flags (one filter, no sizes), the LZMA2 filter
	// (id 0x21, one property byte: the dictionary size, which
	// uncompressed chunks never use), padding to a multiple of four,
	// CRC32.
	header := []byte{0x00, 0x00, 0x21, 0x01, 0x00}
	for (len(header)+4)%4 != 0 {
		header = append(header, 0x00)
	}
	header[0] = byte((len(header)+4)/4 - 1)
	header = append(header, le32(crc32.ChecksumIEEE(header))...)
	blockStart := out.Len()
	out.Write(header)

	// LZMA2 uncompressed chunks of at most 64 KiB: control 0x01 resets
	// the dictionary (the first), 0x02 does not; then size-1, big endian.
	for i, first := 0, true; i < len(data) || first; first = false {
		n := min(len(data)-i, 1<<16)
		if n == 0 {
			break
		}
		ctrl := byte(0x02)
		if first {
			ctrl = 0x01
		}
		out.Write([]byte{ctrl, byte((n - 1) >> 8), byte(n - 1)})
		out.Write(data[i : i+n])
		i += n
	}
	out.WriteByte(0x00) // end of LZMA2 data
	unpadded := out.Len() - blockStart + 4
	for (out.Len()-blockStart)%4 != 0 {
		out.WriteByte(0x00)
	}
	out.Write(le32(crc32.ChecksumIEEE(data)))

	// Index: one record (unpadded block size, uncompressed size).
	var index []byte
	index = append(index, 0x00)
	index = binary.AppendUvarint(index, 1)
	index = binary.AppendUvarint(index, uint64(unpadded))
	index = binary.AppendUvarint(index, uint64(len(data)))
	for len(index)%4 != 0 {
		index = append(index, 0x00)
	}
	index = append(index, le32(crc32.ChecksumIEEE(index))...)
	out.Write(index)

	// Stream footer: CRC32 of backward size and flags, backward size
	// (the index's, in four-byte units, minus one), flags, magic.
	footer := append(le32(uint32(len(index)/4-1)), streamFlags...)
	out.Write(le32(crc32.ChecksumIEEE(footer)))
	out.Write(footer)
	out.Write([]byte{'Y', 'Z'})
	return out.Bytes()
}

func le32(v uint32) []byte {
	return binary.LittleEndian.AppendUint32(nil, v)
}
