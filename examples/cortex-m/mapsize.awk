# Sums, per section kind, the input sections of objects whose path matches
# the regular expression obj, as laid out in a GNU ld map file (after
# garbage collection: discarded sections are listed before the memory map).
/^Linker script and memory map/ { on = 1; next }
!on { next }
/^ \.[^ ]+$/ { name = $1; next }
/^ \./ && NF == 4 { add($1, $3, $4); name = ""; next }
name != "" && NF == 3 && $1 ~ /^0x/ { add(name, $2, $3) }
{ name = "" }
function add(sec, size, file,    v) {
  if (file !~ obj) return
  v = hex(size)
  if (sec ~ /^\.text/) t += v
  else if (sec ~ /^\.rodata/) r += v
  else if (sec ~ /^\.data/) d += v
  else if (sec ~ /^\.bss/) b += v
}
function hex(s,    i, c, v) {
  s = tolower(substr(s, 3)); v = 0
  for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
  return v
}
END { printf "text %d rodata %d data %d bss %d flash %d ram %d\n", t, r, d, b, t + r + d, d + b }
