package participant

import (
	"fmt"
	"math/bits"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chatwire/connectparticipant/gen/participantops"
)

// ContentLimit returns the largest Content, in code points, that SendMessage
// accepts for contentType: the documented per-type limit for the types that
// have one (the spec's x-content-length-by-type), and the model's overall
// bound for any other, so that new types reach the service without a client
// upgrade.
func ContentLimit(contentType string) int {
	m := participantops.SendMessage.Member("Content")
	if n, ok := m.LengthByContentType[contentType]; ok {
		return n
	}
	return m.MaxLength
}

// InvalidParamsError reports every problem found in an operation's input
// before anything was sent. Nothing reaches the service when it is returned.
// Calls return it wrapped in an *OperationError.
type InvalidParamsError struct {
	// Operation is the operation whose input was checked, e.g. "SendMessage".
	Operation string
	// Fields lists each failing member and rule, in member order.
	Fields []InvalidParam
}

// InvalidParam is one failed rule on one input member.
type InvalidParam struct {
	// Field is the member's name in the service model, e.g. "Content", or a
	// path to it, e.g. "StartPosition.Id" or "AttachmentIds[0]".
	Field string
	// Rule names the failed rule: "required", "min length", "max length",
	// "content type limit", "utf8", "header value", "path label",
	// "minimum", "maximum", "min items", "max items" or "pattern".
	Rule string
	// Reason says what is wrong in words; it never quotes a token or the
	// message content.
	Reason string
}

// Error lists every problem on one line, e.g.
// `participant: SendMessage: invalid input: Content: ContentType "text/plain": Content is 1030 characters, limit 1024`.
func (e *InvalidParamsError) Error() string {
	var b strings.Builder
	b.WriteString("participant: ")
	b.WriteString(e.Operation)
	b.WriteString(": invalid input: ")
	for i, f := range e.Fields {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Field)
		b.WriteString(": ")
		b.WriteString(f.Reason)
	}
	return b.String()
}

// validator collects failed rules. Its zero value is ready to use and costs no
// allocation while every rule holds.
type validator struct {
	fields []InvalidParam
}

func (v *validator) add(field, rule, reason string) {
	v.fields = append(v.fields, InvalidParam{Field: field, Rule: rule, Reason: reason})
}

func (v *validator) err(op string) error {
	if len(v.fields) == 0 {
		return nil
	}
	return &InvalidParamsError{Operation: op, Fields: v.fields}
}

// stringLen checks that s is valid UTF-8 of min..max code points (max < 0:
// no bound). It returns the length in code points, or -1 when s is not valid
// UTF-8.
func (v *validator) stringLen(field, s string, required bool, min, max int) int {
	if s == "" {
		if required {
			v.add(field, "required", "is required; set "+field)
		}
		return 0
	}
	n := runeCount(s)
	switch {
	case n < 0:
		v.add(field, "utf8", "is not valid UTF-8; send text encoded as UTF-8")
	case n < min:
		v.add(field, "min length", "is "+strconv.Itoa(n)+" characters, want at least "+strconv.Itoa(min))
	case max >= 0 && n > max:
		v.add(field, "max length", "is "+strconv.Itoa(n)+" characters, limit "+strconv.Itoa(max))
	}
	return n
}

// headerValue checks that a value sent in an HTTP header arrives as given:
// no control characters (net/http would refuse them with a less helpful
// error) and no leading or trailing white space (the server would trim it).
func (v *validator) headerValue(field, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			v.add(field, "header value", "contains a control character; copy the token exactly as the service issued it")
			return
		}
	}
	if first, last := s[0], s[len(s)-1]; first == ' ' || first == '\t' || last == ' ' || last == '\t' {
		v.add(field, "header value", "starts or ends with white space, which the server would strip; trim the token")
	}
}

// pathLabel checks that a value sent as a path label arrives as given: "."
// and ".." are path steps that clients and servers collapse.
func (v *validator) pathLabel(field, s string) {
	if s == "." || s == ".." {
		v.add(field, "path label", "cannot be \".\" or \"..\", which HTTP clients and servers treat as path steps")
	}
}

// runeCount returns the number of code points in s, or -1 if s is not valid
// UTF-8. A leading run of ASCII, the common case for chat text, is skipped
// sixteen bytes at a time; the rest is validated by utf8.ValidString and
// counted a word at a time (benchmarked against a one-pass decoder, which was
// 1.6x slower on CJK text).
func runeCount(s string) int {
	i := 0
	for i+16 <= len(s) && (load8(s, i)|load8(s, i+8))&0x8080808080808080 == 0 {
		i += 16
	}
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return i
	}
	rest := s[i:]
	if !utf8.ValidString(rest) {
		return -1
	}
	return i + countValidRunes(rest)
}

// countValidRunes counts the code points of valid UTF-8: every byte that is
// not a continuation byte (10xxxxxx) starts one.
func countValidRunes(s string) int {
	const high = 0x8080808080808080
	n := 0
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := load8(s, i)
		cont := w & high &^ (w << 1 & high) // bit 7 set, bit 6 clear
		n += 8 - bits.OnesCount64(cont)
	}
	for ; i < len(s); i++ {
		if s[i]&0xC0 != 0x80 {
			n++
		}
	}
	return n
}

// load8 reads s[i:i+8] as a little-endian word.
func load8(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// structPlan is how to check a Go struct against members of the operation
// table: which field holds which member. It is built once per type, by
// bindStruct, so a check costs field reads and no allocation while every rule
// holds.
type structPlan struct {
	fields []fieldPlan
}

type fieldPlan struct {
	m       *participantops.Member
	index   int    // the struct field
	name    string // the member's path, e.g. "StartPosition.Id"
	pattern *regexp.Regexp
	sub     *structPlan // an Object member's struct
	// contentType is the field of the sibling ContentType member, for a
	// member with limits by content type; -1 otherwise.
	contentType int
}

// Types the contract's sensitive string members must have in Go.
var (
	secretType       = reflect.TypeFor[Secret]()
	presignedURLType = reflect.TypeFor[PresignedURL]()
)

// jsonName is the name encoding/json gives the field, and whether the tag
// says omitempty. A field tagged "-" is named after itself.
func jsonName(f reflect.StructField) (name string, omitempty bool, skipped bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return f.Name, false, true
	}
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, strings.Contains(","+opts+",", ",omitempty,"), false
}

// bindStruct ties members to the fields of t, which must hold exactly those
// members: a body member in a field whose JSON name is the member's, with
// omitempty unless it is required, so that encoding the struct gives the
// request body; a header or path member in a field named after the member
// and, for an operation with a body, left out of JSON ("-"); a sensitive
// string in a Secret or a PresignedURL. prefix is the path of t's members.
func bindStruct(t reflect.Type, members []participantops.Member, hasBody bool, prefix string) (*structPlan, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%s is a %s, want a struct", t, t.Kind())
	}
	byName := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name, _, _ := jsonName(f)
		byName[name] = i
	}
	p := &structPlan{}
	bound := map[int]bool{}
	for mi := range members {
		m := &members[mi]
		i, ok := byName[m.Name]
		if !ok {
			return nil, fmt.Errorf("%s has no field for member %s%s", t, prefix, m.Name)
		}
		bound[i] = true
		f := t.Field(i)
		_, omitempty, skipped := jsonName(f)
		switch {
		case m.In == participantops.InHeader || m.In == participantops.InPath:
			if hasBody && !skipped {
				return nil, fmt.Errorf("%s.%s goes in a header or the path: tag it `json:\"-\"` so it stays out of the body", t, f.Name)
			}
		case skipped:
			return nil, fmt.Errorf("%s.%s is member %s of the body: it cannot be tagged `json:\"-\"`", t, f.Name, m.Name)
		case omitempty == m.Required && m.Kind != participantops.Object:
			return nil, fmt.Errorf("%s.%s: member %s has required=%t, so its tag must %s omitempty", t, f.Name, m.Name, m.Required, map[bool]string{true: "not say", false: "say"}[m.Required])
		}
		if err := checkKind(f.Type, m); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t, f.Name, err)
		}
		fp := fieldPlan{m: m, index: i, name: prefix + m.Name, contentType: -1}
		pattern := m.Pattern
		if m.Kind == participantops.Array && m.Items != nil {
			pattern = m.Items.Pattern // an array's pattern is its items'
		}
		if pattern != "" {
			re, err := regexp.Compile(pattern)
			if err != nil {
				return nil, fmt.Errorf("member %s: pattern: %w", fp.name, err)
			}
			fp.pattern = re
		}
		if m.Kind == participantops.Object {
			sub, err := bindStruct(derefType(f.Type), m.Properties, true, fp.name+".")
			if err != nil {
				return nil, err
			}
			fp.sub = sub
		}
		if m.LengthByContentType != nil {
			ct, ok := byName["ContentType"]
			if !ok {
				return nil, fmt.Errorf("%s: member %s has limits by content type, but no ContentType beside it", t, m.Name)
			}
			fp.contentType = ct
		}
		p.fields = append(p.fields, fp)
	}
	for name, i := range byName {
		if !bound[i] {
			return nil, fmt.Errorf("%s.%s (%s) is not a member of the operation in the contract", t, t.Field(i).Name, name)
		}
	}
	return p, nil
}

func derefType(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}

// checkKind holds a field's Go type to the member's JSON type.
func checkKind(t reflect.Type, m *participantops.Member) error {
	want := map[participantops.Kind]reflect.Kind{
		participantops.String:  reflect.String,
		participantops.Boolean: reflect.Bool,
		participantops.Array:   reflect.Slice,
		participantops.Map:     reflect.Map,
		participantops.Object:  reflect.Struct,
	}[m.Kind]
	switch m.Kind {
	case participantops.Integer:
		want = reflect.Int64
		if m.Format == "int32" {
			want = reflect.Int32
		}
	case participantops.Object:
		t = derefType(t)
	case participantops.Array:
		if t.Kind() == reflect.Slice && m.Items != nil {
			if err := checkKind(t.Elem(), m.Items); err != nil {
				return fmt.Errorf("items: %w", err)
			}
		}
	}
	if t.Kind() != want {
		return fmt.Errorf("member %s is %v in the contract (format %q), the field is %s", m.Name, m.Kind, m.Format, t)
	}
	if m.Sensitive && t != secretType && t != presignedURLType {
		return fmt.Errorf("member %s is sensitive: make the field a Secret or a PresignedURL, not %s", m.Name, t)
	}
	return nil
}

// check checks every member of s, a value of the plan's struct type.
func (p *structPlan) check(v *validator, s reflect.Value) {
	for i := range p.fields {
		f := &p.fields[i]
		fv := s.Field(f.index)
		switch f.m.Kind {
		case participantops.String:
			f.checkString(v, f.name, fv.String(), f.m, s)
		case participantops.Integer:
			f.checkInteger(v, fv.Int())
		case participantops.Array:
			f.checkArray(v, fv)
		case participantops.Object:
			if fv.Kind() == reflect.Pointer {
				if fv.IsNil() {
					if f.m.Required {
						v.add(f.name, "required", "is required; set "+f.name)
					}
					continue
				}
				fv = fv.Elem()
			}
			f.sub.check(v, fv)
		}
	}
}

func (f *fieldPlan) checkString(v *validator, name, str string, m *participantops.Member, parent reflect.Value) {
	n := v.stringLen(name, str, m.Required, m.MinLength, m.MaxLength)
	if str == "" || n < 0 {
		return
	}
	switch m.In {
	case participantops.InHeader:
		v.headerValue(name, str)
	case participantops.InPath:
		v.pathLabel(name, str)
	}
	if f.pattern != nil && !f.pattern.MatchString(str) {
		v.add(name, "pattern", "does not match the pattern "+m.Pattern)
	}
	if f.contentType >= 0 && (m.MaxLength < 0 || n <= m.MaxLength) {
		contentType := parent.Field(f.contentType).String()
		if limit, ok := m.LengthByContentType[contentType]; ok && n > limit {
			v.add(name, "content type limit", "ContentType "+strconv.Quote(contentType)+": "+m.Name+" is "+
				strconv.Itoa(n)+" characters, limit "+strconv.Itoa(limit))
		}
	}
}

func (f *fieldPlan) checkInteger(v *validator, n int64) {
	m := f.m
	switch {
	case n == 0 && m.Required:
		v.add(f.name, "required", "is required; set "+f.name)
	case n == 0:
		// Zero means absent: the field is not sent.
	case m.HasMinimum && n < m.Minimum:
		v.add(f.name, "minimum", "is "+strconv.FormatInt(n, 10)+", want at least "+strconv.FormatInt(m.Minimum, 10))
	case m.HasMaximum && n > m.Maximum:
		v.add(f.name, "maximum", "is "+strconv.FormatInt(n, 10)+", want at most "+strconv.FormatInt(m.Maximum, 10))
	}
}

func (f *fieldPlan) checkArray(v *validator, fv reflect.Value) {
	m := f.m
	n := fv.Len()
	switch {
	case n == 0 && m.Required:
		v.add(f.name, "required", "is required; set "+f.name)
		return
	case n == 0:
		return
	case n < m.MinLength:
		v.add(f.name, "min items", "has "+strconv.Itoa(n)+" items, want at least "+strconv.Itoa(m.MinLength))
	case m.MaxLength >= 0 && n > m.MaxLength:
		v.add(f.name, "max items", "has "+strconv.Itoa(n)+" items, want at most "+strconv.Itoa(m.MaxLength))
	}
	if m.Items == nil || m.Items.Kind != participantops.String {
		return
	}
	for i := range n {
		item := fv.Index(i).String()
		name := f.name + "[" + strconv.Itoa(i) + "]"
		if item == "" && m.Items.MinLength > 0 {
			v.add(name, "min length", "is empty; want at least "+strconv.Itoa(m.Items.MinLength)+" characters")
			continue
		}
		f.checkString(v, name, item, m.Items, reflect.Value{})
	}
}
