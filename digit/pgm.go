package digit

import (
	"errors"
	"fmt"
)

// decodePGM reads a Netpbm greymap: "P2" (ASCII samples) or "P5" (binary,
// one byte per sample for maxval < 256, two big-endian bytes otherwise),
// then width, height and maxval (1–65535) as decimal numbers separated by
// whitespace, with "#" comments to the end of a line allowed between them.
// In P5 one whitespace byte separates maxval from the samples. Samples above
// maxval are an error. Only the first image of a multi-image file is read.
//
// It allocates nothing before it has checked that the file is long enough to
// hold the samples the header announces.
func decodePGM(b []byte) (*Gray, error) {
	if len(b) < 3 || !(isSpace(b[2]) || b[2] == '#') {
		return nil, errors.New("pgm: no whitespace after the magic number")
	}
	p := &pgmReader{b: b, pos: 2}
	w, err := p.number("width", 1, 1<<20)
	if err != nil {
		return nil, err
	}
	h, err := p.number("height", 1, 1<<20)
	if err != nil {
		return nil, err
	}
	maxval, err := p.number("maxval", 1, 65535)
	if err != nil {
		return nil, err
	}
	if int64(w)*int64(h) > MaxPixels {
		return nil, fmt.Errorf("pgm: %d×%d pixels (%d) is larger than the limit of %d pixels (12 Mi, e.g. 4096×3072)", w, h, int64(w)*int64(h), MaxPixels)
	}
	n := w * h
	g := &Gray{W: w, H: h}
	if b[1] == '5' {
		if p.pos >= len(b) || !isSpace(b[p.pos]) {
			return nil, errors.New("pgm: no whitespace after maxval")
		}
		p.pos++
		size := 1
		if maxval > 255 {
			size = 2
		}
		if len(b)-p.pos < n*size {
			return nil, fmt.Errorf("pgm: %d bytes of samples, want %d for %d×%d", len(b)-p.pos, n*size, w, h)
		}
		g.Pix = make([]float64, n)
		data := b[p.pos:]
		for i := range g.Pix {
			v := int(data[i])
			if size == 2 {
				v = int(data[2*i])<<8 | int(data[2*i+1])
			}
			if v > maxval {
				return nil, fmt.Errorf("pgm: sample %d is %d, above maxval %d", i, v, maxval)
			}
			g.Pix[i] = float64(v) / float64(maxval)
		}
		return g, nil
	}
	// P2: every sample takes at least one digit and one separator (the last
	// may end the file), so a shorter file cannot hold them.
	if (len(b)-p.pos+1)/2 < n {
		return nil, fmt.Errorf("pgm: file too short for %d×%d samples", w, h)
	}
	g.Pix = make([]float64, n)
	for i := range g.Pix {
		v, err := p.number(fmt.Sprintf("sample %d", i), 0, maxval)
		if err != nil {
			return nil, err
		}
		g.Pix[i] = float64(v) / float64(maxval)
	}
	return g, nil
}

type pgmReader struct {
	b   []byte
	pos int
}

// number skips whitespace and comments, then reads a decimal number in
// [lo,hi]; what is the header field or sample being read, for errors.
func (p *pgmReader) number(what string, lo, hi int) (int, error) {
	for p.pos < len(p.b) {
		c := p.b[p.pos]
		if c == '#' {
			for p.pos < len(p.b) && p.b[p.pos] != '\n' && p.b[p.pos] != '\r' {
				p.pos++
			}
			continue
		}
		if !isSpace(c) {
			break
		}
		p.pos++
	}
	start, v := p.pos, 0
	for p.pos < len(p.b) && '0' <= p.b[p.pos] && p.b[p.pos] <= '9' {
		v = v*10 + int(p.b[p.pos]-'0')
		if v > hi {
			return 0, fmt.Errorf("pgm: %s is above %d", what, hi)
		}
		p.pos++
	}
	if p.pos == start {
		if p.pos >= len(p.b) {
			return 0, fmt.Errorf("pgm: file ends before %s", what)
		}
		return 0, fmt.Errorf("pgm: %s: %q is not a number", what, p.b[p.pos])
	}
	if p.pos < len(p.b) && !isSpace(p.b[p.pos]) && p.b[p.pos] != '#' {
		return 0, fmt.Errorf("pgm: %s: %q after the number", what, p.b[p.pos])
	}
	if v < lo {
		return 0, fmt.Errorf("pgm: %s is %d, below %d", what, v, lo)
	}
	return v, nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
