package input

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// logText is n synthetic lines numbered from first.
func logText(first, n int) string {
	var b strings.Builder
	for i := first; i < first+n; i++ {
		fmt.Fprintf(&b, "synthetic line %d with some text to compress %x\n", i, i*7919)
	}
	return b.String()
}

// flipCRC damages a gzip member's trailer CRC: the data decodes cleanly
// and only the checksum tells.
func flipCRC(member []byte) []byte {
	d := append([]byte(nil), member...)
	d[len(d)-8] ^= 0xff
	return d
}

func unverified(t *testing.T, err error) *UnverifiedError {
	t.Helper()
	var ue *UnverifiedError
	if !errors.As(err, &ue) {
		t.Fatalf("err = %v, want an UnverifiedError", err)
	}
	return ue
}

// TestGzipMemberWithheldUntilVerified: a gzip file of ten members (as
// bgzip and pigz -i write them) whose fourth fails its checksum gives the
// lines of the nine others, withholds the fourth's and says where it
// starts (issue 23: the garbage before a checksum failure was analysed).
func TestGzipMemberWithheldUntilVerified(t *testing.T) {
	var file []byte
	var fourth int
	for m := range 10 {
		member := gz(t, logText(m*2000, 2000))
		if m == 3 {
			fourth = len(file)
			member = flipCRC(member)
		}
		file = append(file, member...)
	}
	p := writeFile(t, t.TempDir(), "access.log.gz", file)
	lines, _, err := readAll(t, p)
	ue := unverified(t, err)
	if len(lines) != 9*2000 || ue.Lines != 2000 || ue.UnitStart != int64(fourth) || ue.Members != 1 {
		t.Fatalf("%d lines, withheld %d from byte %d (%d members); want 18000, 2000 from %d", len(lines), ue.Lines, ue.UnitStart, ue.Members, fourth)
	}
	for _, l := range lines {
		var n int
		fmt.Sscanf(l, "synthetic line %d", &n)
		if n >= 6000 && n < 8000 {
			t.Fatalf("line %q of the damaged member came out", l)
		}
	}
	if !strings.Contains(err.Error(), "withheld") || !strings.Contains(err.Error(), fmt.Sprintf("byte %d", fourth)) {
		t.Errorf("error %q does not say what was withheld and where", err)
	}
}

// TestLargeGzipMemberSaysUnverified: a single member over holdMax cannot be
// withheld; a failed checksum says its lines were analysed unverified.
func TestLargeGzipMemberSaysUnverified(t *testing.T) {
	text := logText(0, 60000) // about 3 MB
	p := writeFile(t, t.TempDir(), "access.log.gz", flipCRC(gz(t, text)))
	lines, _, err := readAll(t, p)
	if ue := unverified(t, err); !ue.Unverified || len(lines) != 60000 {
		t.Fatalf("%d lines, %+v; want all 60000 and Unverified", len(lines), ue)
	}
	if !strings.Contains(err.Error(), "unverified") {
		t.Errorf("error %q does not say the figures are unverified", err)
	}
}

// TestZstdFrameWithheld: of three zstd frames of about 1 MB the last fails
// its content checksum: the first is delivered, the damaged one withheld
// with what else the last holdMax held.
func TestZstdFrameWithheld(t *testing.T) {
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderCRC(true))
	var file []byte
	for f := range 3 {
		frame := enc.EncodeAll([]byte(logText(f*20000, 20000)), nil)
		if f == 2 {
			frame[len(frame)-1] ^= 0xff // the frame's xxHash
		}
		file = append(file, frame...)
	}
	p := writeFile(t, t.TempDir(), "access.log.zst", file)
	lines, _, err := readAll(t, p)
	ue := unverified(t, err)
	// The decoder keeps the frame's last block back when the checksum fails.
	if !ue.Tail || len(lines) < 20000 || len(lines) >= 40000 || len(lines)+ue.Lines > 60000 {
		t.Fatalf("%d lines, %+v; want the first frame at least, the third withheld", len(lines), ue)
	}
}

// TestBzip2BlockWithheld: a bzip2 stream (made by the bzip2 program) whose
// last block fails its checksum delivers the blocks before the last
// holdMax and withholds the rest, the damaged block among them.
func TestBzip2BlockWithheld(t *testing.T) {
	prog, err := exec.LookPath("bzip2")
	if err != nil {
		t.Fatal("bzip2 is needed (Debian: bzip2; .ci/run installs it)")
	}
	text := logText(0, 120000) // about 6 MB: several 900 kB blocks
	cmd := exec.Command(prog, "-9", "-c")
	cmd.Stdin = strings.NewReader(text)
	data, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	// Blocks start with the 48-bit magic 0x314159265359 at any bit; the
	// block's CRC follows it. Flip a bit of the last block's CRC.
	magic := []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59}
	last := -1
	for bit := 0; bit+48 <= len(data)*8; bit++ {
		if bitsEqual(data, bit, magic) {
			last = bit
		}
	}
	if last < 0 {
		t.Fatal("no block magic found")
	}
	d := append([]byte(nil), data...)
	crcBit := last + 48 + 5
	d[crcBit/8] ^= 0x80 >> (crcBit % 8)
	p := writeFile(t, t.TempDir(), "access.log.bz2", d)
	lines, _, err := readAll(t, p)
	ue := unverified(t, err)
	if !ue.Tail || len(lines) == 0 || len(lines) >= 120000 || len(lines)+ue.Lines != 120000 {
		t.Fatalf("%d lines and %d withheld; want some delivered, the rest withheld, 120000 together", len(lines), ue.Lines)
	}
	for i, l := range lines {
		if want := fmt.Sprintf("synthetic line %d ", i); !strings.HasPrefix(l, want) {
			t.Fatalf("line %d = %q", i, l)
		}
	}
}

// bitsEqual reports whether want's bits stand in data from bit offset at.
func bitsEqual(data []byte, at int, want []byte) bool {
	for i := range len(want) * 8 {
		b := at + i
		if (data[b/8]>>(7-b%8))&1 != (want[i/8]>>(7-i%8))&1 {
			return false
		}
	}
	return true
}
