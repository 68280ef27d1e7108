/* UTF-8 text for the terminal: display width, truncation, wrapping and
 * sanitising.
 *
 * Widths come from our own tables rather than wcwidth(3), so that the result
 * does not depend on the C library or the locale the program runs in: a
 * screen laid out under C.UTF-8 and under zh_CN.UTF-8 must be the same. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "duban/utf8.h"
#include "duban/util.h"

struct range {
	uint32_t lo, hi;
};

/* The tables below were generated from the Unicode Character Database
 * (General_Category and EastAsianWidth, version 14 plus the 15.0 additions),
 * merging runs separated only by unassigned code points.
 *
 * zero_width_ranges: nonspacing and enclosing marks (Mn, Me), invisible
 * format characters (ZWSP, ZWNJ, ZWJ, bidi controls, word joiner, BOM, tags)
 * and the conjoining Hangul vowels and finals, which terminals draw over the
 * preceding syllable. */
static const struct range zero_width_ranges[] = {
	{ 0x0300, 0x036F }, { 0x0483, 0x0489 }, { 0x0591, 0x05BD }, { 0x05BF, 0x05BF },
	{ 0x05C1, 0x05C2 }, { 0x05C4, 0x05C5 }, { 0x05C7, 0x05C7 }, { 0x0610, 0x061A },
	{ 0x061C, 0x061C }, { 0x064B, 0x065F }, { 0x0670, 0x0670 }, { 0x06D6, 0x06DC },
	{ 0x06DF, 0x06E4 }, { 0x06E7, 0x06E8 }, { 0x06EA, 0x06ED }, { 0x0711, 0x0711 },
	{ 0x0730, 0x074A }, { 0x07A6, 0x07B0 }, { 0x07EB, 0x07F3 }, { 0x07FD, 0x07FD },
	{ 0x0816, 0x0819 }, { 0x081B, 0x0823 }, { 0x0825, 0x0827 }, { 0x0829, 0x082D },
	{ 0x0859, 0x085B }, { 0x0898, 0x089F }, { 0x08CA, 0x08E1 }, { 0x08E3, 0x0902 },
	{ 0x093A, 0x093A }, { 0x093C, 0x093C }, { 0x0941, 0x0948 }, { 0x094D, 0x094D },
	{ 0x0951, 0x0957 }, { 0x0962, 0x0963 }, { 0x0981, 0x0981 }, { 0x09BC, 0x09BC },
	{ 0x09C1, 0x09C4 }, { 0x09CD, 0x09CD }, { 0x09E2, 0x09E3 }, { 0x09FE, 0x09FE },
	{ 0x0A01, 0x0A02 }, { 0x0A3C, 0x0A3C }, { 0x0A41, 0x0A42 }, { 0x0A47, 0x0A48 },
	{ 0x0A4B, 0x0A4D }, { 0x0A51, 0x0A51 }, { 0x0A70, 0x0A71 }, { 0x0A75, 0x0A75 },
	{ 0x0A81, 0x0A82 }, { 0x0ABC, 0x0ABC }, { 0x0AC1, 0x0AC5 }, { 0x0AC7, 0x0AC8 },
	{ 0x0ACD, 0x0ACD }, { 0x0AE2, 0x0AE3 }, { 0x0AFA, 0x0AFF }, { 0x0B01, 0x0B01 },
	{ 0x0B3C, 0x0B3C }, { 0x0B3F, 0x0B3F }, { 0x0B41, 0x0B44 }, { 0x0B4D, 0x0B4D },
	{ 0x0B55, 0x0B56 }, { 0x0B62, 0x0B63 }, { 0x0B82, 0x0B82 }, { 0x0BC0, 0x0BC0 },
	{ 0x0BCD, 0x0BCD }, { 0x0C00, 0x0C00 }, { 0x0C04, 0x0C04 }, { 0x0C3C, 0x0C3C },
	{ 0x0C3E, 0x0C40 }, { 0x0C46, 0x0C48 }, { 0x0C4A, 0x0C4D }, { 0x0C55, 0x0C56 },
	{ 0x0C62, 0x0C63 }, { 0x0C81, 0x0C81 }, { 0x0CBC, 0x0CBC }, { 0x0CBF, 0x0CBF },
	{ 0x0CC6, 0x0CC6 }, { 0x0CCC, 0x0CCD }, { 0x0CE2, 0x0CE3 }, { 0x0D00, 0x0D01 },
	{ 0x0D3B, 0x0D3C }, { 0x0D41, 0x0D44 }, { 0x0D4D, 0x0D4D }, { 0x0D62, 0x0D63 },
	{ 0x0D81, 0x0D81 }, { 0x0DCA, 0x0DCA }, { 0x0DD2, 0x0DD4 }, { 0x0DD6, 0x0DD6 },
	{ 0x0E31, 0x0E31 }, { 0x0E34, 0x0E3A }, { 0x0E47, 0x0E4E }, { 0x0EB1, 0x0EB1 },
	{ 0x0EB4, 0x0EBC }, { 0x0EC8, 0x0ECE }, { 0x0F18, 0x0F19 }, { 0x0F35, 0x0F35 },
	{ 0x0F37, 0x0F37 }, { 0x0F39, 0x0F39 }, { 0x0F71, 0x0F7E }, { 0x0F80, 0x0F84 },
	{ 0x0F86, 0x0F87 }, { 0x0F8D, 0x0F97 }, { 0x0F99, 0x0FBC }, { 0x0FC6, 0x0FC6 },
	{ 0x102D, 0x1030 }, { 0x1032, 0x1037 }, { 0x1039, 0x103A }, { 0x103D, 0x103E },
	{ 0x1058, 0x1059 }, { 0x105E, 0x1060 }, { 0x1071, 0x1074 }, { 0x1082, 0x1082 },
	{ 0x1085, 0x1086 }, { 0x108D, 0x108D }, { 0x109D, 0x109D }, { 0x1160, 0x11FF },
	{ 0x135D, 0x135F }, { 0x1712, 0x1714 }, { 0x1732, 0x1733 }, { 0x1752, 0x1753 },
	{ 0x1772, 0x1773 }, { 0x17B4, 0x17B5 }, { 0x17B7, 0x17BD }, { 0x17C6, 0x17C6 },
	{ 0x17C9, 0x17D3 }, { 0x17DD, 0x17DD }, { 0x180B, 0x180F }, { 0x1885, 0x1886 },
	{ 0x18A9, 0x18A9 }, { 0x1920, 0x1922 }, { 0x1927, 0x1928 }, { 0x1932, 0x1932 },
	{ 0x1939, 0x193B }, { 0x1A17, 0x1A18 }, { 0x1A1B, 0x1A1B }, { 0x1A56, 0x1A56 },
	{ 0x1A58, 0x1A5E }, { 0x1A60, 0x1A60 }, { 0x1A62, 0x1A62 }, { 0x1A65, 0x1A6C },
	{ 0x1A73, 0x1A7C }, { 0x1A7F, 0x1A7F }, { 0x1AB0, 0x1ACE }, { 0x1B00, 0x1B03 },
	{ 0x1B34, 0x1B34 }, { 0x1B36, 0x1B3A }, { 0x1B3C, 0x1B3C }, { 0x1B42, 0x1B42 },
	{ 0x1B6B, 0x1B73 }, { 0x1B80, 0x1B81 }, { 0x1BA2, 0x1BA5 }, { 0x1BA8, 0x1BA9 },
	{ 0x1BAB, 0x1BAD }, { 0x1BE6, 0x1BE6 }, { 0x1BE8, 0x1BE9 }, { 0x1BED, 0x1BED },
	{ 0x1BEF, 0x1BF1 }, { 0x1C2C, 0x1C33 }, { 0x1C36, 0x1C37 }, { 0x1CD0, 0x1CD2 },
	{ 0x1CD4, 0x1CE0 }, { 0x1CE2, 0x1CE8 }, { 0x1CED, 0x1CED }, { 0x1CF4, 0x1CF4 },
	{ 0x1CF8, 0x1CF9 }, { 0x1DC0, 0x1DFF }, { 0x200B, 0x200F }, { 0x202A, 0x202E },
	{ 0x2060, 0x2064 }, { 0x2066, 0x206F }, { 0x20D0, 0x20F0 }, { 0x2CEF, 0x2CF1 },
	{ 0x2D7F, 0x2D7F }, { 0x2DE0, 0x2DFF }, { 0x302A, 0x302D }, { 0x3099, 0x309A },
	{ 0xA66F, 0xA672 }, { 0xA674, 0xA67D }, { 0xA69E, 0xA69F }, { 0xA6F0, 0xA6F1 },
	{ 0xA802, 0xA802 }, { 0xA806, 0xA806 }, { 0xA80B, 0xA80B }, { 0xA825, 0xA826 },
	{ 0xA82C, 0xA82C }, { 0xA8C4, 0xA8C5 }, { 0xA8E0, 0xA8F1 }, { 0xA8FF, 0xA8FF },
	{ 0xA926, 0xA92D }, { 0xA947, 0xA951 }, { 0xA980, 0xA982 }, { 0xA9B3, 0xA9B3 },
	{ 0xA9B6, 0xA9B9 }, { 0xA9BC, 0xA9BD }, { 0xA9E5, 0xA9E5 }, { 0xAA29, 0xAA2E },
	{ 0xAA31, 0xAA32 }, { 0xAA35, 0xAA36 }, { 0xAA43, 0xAA43 }, { 0xAA4C, 0xAA4C },
	{ 0xAA7C, 0xAA7C }, { 0xAAB0, 0xAAB0 }, { 0xAAB2, 0xAAB4 }, { 0xAAB7, 0xAAB8 },
	{ 0xAABE, 0xAABF }, { 0xAAC1, 0xAAC1 }, { 0xAAEC, 0xAAED }, { 0xAAF6, 0xAAF6 },
	{ 0xABE5, 0xABE5 }, { 0xABE8, 0xABE8 }, { 0xABED, 0xABED }, { 0xD7B0, 0xD7FF },
	{ 0xFB1E, 0xFB1E }, { 0xFE00, 0xFE0F }, { 0xFE20, 0xFE2F }, { 0xFEFF, 0xFEFF },
	{ 0xFFF9, 0xFFFB }, { 0x101FD, 0x101FD }, { 0x102E0, 0x102E0 }, { 0x10376, 0x1037A },
	{ 0x10A01, 0x10A03 }, { 0x10A05, 0x10A06 }, { 0x10A0C, 0x10A0F }, { 0x10A38, 0x10A3A },
	{ 0x10A3F, 0x10A3F }, { 0x10AE5, 0x10AE6 }, { 0x10D24, 0x10D27 }, { 0x10EAB, 0x10EAC },
	{ 0x10EFD, 0x10EFF }, { 0x10F46, 0x10F50 }, { 0x10F82, 0x10F85 }, { 0x11001, 0x11001 },
	{ 0x11038, 0x11046 }, { 0x11070, 0x11070 }, { 0x11073, 0x11074 }, { 0x1107F, 0x11081 },
	{ 0x110B3, 0x110B6 }, { 0x110B9, 0x110BA }, { 0x110C2, 0x110C2 }, { 0x11100, 0x11102 },
	{ 0x11127, 0x1112B }, { 0x1112D, 0x11134 }, { 0x11173, 0x11173 }, { 0x11180, 0x11181 },
	{ 0x111B6, 0x111BE }, { 0x111C9, 0x111CC }, { 0x111CF, 0x111CF }, { 0x1122F, 0x11231 },
	{ 0x11234, 0x11234 }, { 0x11236, 0x11237 }, { 0x1123E, 0x1123E }, { 0x11241, 0x11241 },
	{ 0x112DF, 0x112DF }, { 0x112E3, 0x112EA }, { 0x11300, 0x11301 }, { 0x1133B, 0x1133C },
	{ 0x11340, 0x11340 }, { 0x11366, 0x1136C }, { 0x11370, 0x11374 }, { 0x11438, 0x1143F },
	{ 0x11442, 0x11444 }, { 0x11446, 0x11446 }, { 0x1145E, 0x1145E }, { 0x114B3, 0x114B8 },
	{ 0x114BA, 0x114BA }, { 0x114BF, 0x114C0 }, { 0x114C2, 0x114C3 }, { 0x115B2, 0x115B5 },
	{ 0x115BC, 0x115BD }, { 0x115BF, 0x115C0 }, { 0x115DC, 0x115DD }, { 0x11633, 0x1163A },
	{ 0x1163D, 0x1163D }, { 0x1163F, 0x11640 }, { 0x116AB, 0x116AB }, { 0x116AD, 0x116AD },
	{ 0x116B0, 0x116B5 }, { 0x116B7, 0x116B7 }, { 0x1171D, 0x1171F }, { 0x11722, 0x11725 },
	{ 0x11727, 0x1172B }, { 0x1182F, 0x11837 }, { 0x11839, 0x1183A }, { 0x1193B, 0x1193C },
	{ 0x1193E, 0x1193E }, { 0x11943, 0x11943 }, { 0x119D4, 0x119D7 }, { 0x119DA, 0x119DB },
	{ 0x119E0, 0x119E0 }, { 0x11A01, 0x11A0A }, { 0x11A33, 0x11A38 }, { 0x11A3B, 0x11A3E },
	{ 0x11A47, 0x11A47 }, { 0x11A51, 0x11A56 }, { 0x11A59, 0x11A5B }, { 0x11A8A, 0x11A96 },
	{ 0x11A98, 0x11A99 }, { 0x11C30, 0x11C36 }, { 0x11C38, 0x11C3D }, { 0x11C3F, 0x11C3F },
	{ 0x11C92, 0x11CA7 }, { 0x11CAA, 0x11CB0 }, { 0x11CB2, 0x11CB3 }, { 0x11CB5, 0x11CB6 },
	{ 0x11D31, 0x11D36 }, { 0x11D3A, 0x11D3A }, { 0x11D3C, 0x11D3D }, { 0x11D3F, 0x11D45 },
	{ 0x11D47, 0x11D47 }, { 0x11D90, 0x11D91 }, { 0x11D95, 0x11D95 }, { 0x11D97, 0x11D97 },
	{ 0x11EF3, 0x11EF4 }, { 0x11F00, 0x11F01 }, { 0x11F36, 0x11F3A }, { 0x11F40, 0x11F40 },
	{ 0x11F42, 0x11F42 }, { 0x13440, 0x13440 }, { 0x13447, 0x13455 }, { 0x16AF0, 0x16AF4 },
	{ 0x16B30, 0x16B36 }, { 0x16F4F, 0x16F4F }, { 0x16F8F, 0x16F92 }, { 0x16FE4, 0x16FE4 },
	{ 0x1BC9D, 0x1BC9E }, { 0x1BCA0, 0x1BCA3 }, { 0x1CF00, 0x1CF2D }, { 0x1CF30, 0x1CF46 },
	{ 0x1D167, 0x1D169 }, { 0x1D173, 0x1D182 }, { 0x1D185, 0x1D18B }, { 0x1D1AA, 0x1D1AD },
	{ 0x1D242, 0x1D244 }, { 0x1DA00, 0x1DA36 }, { 0x1DA3B, 0x1DA6C }, { 0x1DA75, 0x1DA75 },
	{ 0x1DA84, 0x1DA84 }, { 0x1DA9B, 0x1DA9F }, { 0x1DAA1, 0x1DAAF }, { 0x1E000, 0x1E006 },
	{ 0x1E008, 0x1E018 }, { 0x1E01B, 0x1E021 }, { 0x1E023, 0x1E024 }, { 0x1E026, 0x1E02A },
	{ 0x1E08F, 0x1E08F }, { 0x1E130, 0x1E136 }, { 0x1E2AE, 0x1E2AE }, { 0x1E2EC, 0x1E2EF },
	{ 0x1E4EC, 0x1E4EF }, { 0x1E8D0, 0x1E8D6 }, { 0x1E944, 0x1E94A }, { 0xE0001, 0xE0001 },
	{ 0xE0020, 0xE007F }, { 0xE0100, 0xE01EF },
};

/* wide_ranges: East_Asian_Width W and F, plus planes 2 and 3, which the
 * standard reserves for CJK ideographs. */
static const struct range wide_ranges[] = {
	{ 0x1100, 0x115F }, { 0x231A, 0x231B }, { 0x2329, 0x232A }, { 0x23E9, 0x23EC },
	{ 0x23F0, 0x23F0 }, { 0x23F3, 0x23F3 }, { 0x25FD, 0x25FE }, { 0x2614, 0x2615 },
	{ 0x2648, 0x2653 }, { 0x267F, 0x267F }, { 0x2693, 0x2693 }, { 0x26A1, 0x26A1 },
	{ 0x26AA, 0x26AB }, { 0x26BD, 0x26BE }, { 0x26C4, 0x26C5 }, { 0x26CE, 0x26CE },
	{ 0x26D4, 0x26D4 }, { 0x26EA, 0x26EA }, { 0x26F2, 0x26F3 }, { 0x26F5, 0x26F5 },
	{ 0x26FA, 0x26FA }, { 0x26FD, 0x26FD }, { 0x2705, 0x2705 }, { 0x270A, 0x270B },
	{ 0x2728, 0x2728 }, { 0x274C, 0x274C }, { 0x274E, 0x274E }, { 0x2753, 0x2755 },
	{ 0x2757, 0x2757 }, { 0x2795, 0x2797 }, { 0x27B0, 0x27B0 }, { 0x27BF, 0x27BF },
	{ 0x2B1B, 0x2B1C }, { 0x2B50, 0x2B50 }, { 0x2B55, 0x2B55 }, { 0x2E80, 0x3029 },
	{ 0x302E, 0x303E }, { 0x3041, 0x3096 }, { 0x309B, 0x3247 }, { 0x3250, 0x4DBF },
	{ 0x4E00, 0xA4C6 }, { 0xA960, 0xA97C }, { 0xAC00, 0xD7A3 }, { 0xF900, 0xFAFF },
	{ 0xFE10, 0xFE19 }, { 0xFE30, 0xFE6B }, { 0xFF01, 0xFF60 }, { 0xFFE0, 0xFFE6 },
	{ 0x16FE0, 0x16FE3 }, { 0x16FF0, 0x18D08 }, { 0x1AFF0, 0x1B2FB }, { 0x1F004, 0x1F004 },
	{ 0x1F0CF, 0x1F0CF }, { 0x1F18E, 0x1F18E }, { 0x1F191, 0x1F19A }, { 0x1F200, 0x1F320 },
	{ 0x1F32D, 0x1F335 }, { 0x1F337, 0x1F37C }, { 0x1F37E, 0x1F393 }, { 0x1F3A0, 0x1F3CA },
	{ 0x1F3CF, 0x1F3D3 }, { 0x1F3E0, 0x1F3F0 }, { 0x1F3F4, 0x1F3F4 }, { 0x1F3F8, 0x1F43E },
	{ 0x1F440, 0x1F440 }, { 0x1F442, 0x1F4FC }, { 0x1F4FF, 0x1F53D }, { 0x1F54B, 0x1F54E },
	{ 0x1F550, 0x1F567 }, { 0x1F57A, 0x1F57A }, { 0x1F595, 0x1F596 }, { 0x1F5A4, 0x1F5A4 },
	{ 0x1F5FB, 0x1F64F }, { 0x1F680, 0x1F6C5 }, { 0x1F6CC, 0x1F6CC }, { 0x1F6D0, 0x1F6D2 },
	{ 0x1F6D5, 0x1F6DF }, { 0x1F6EB, 0x1F6EC }, { 0x1F6F4, 0x1F6FC }, { 0x1F7E0, 0x1F7F0 },
	{ 0x1F90C, 0x1F93A }, { 0x1F93C, 0x1F945 }, { 0x1F947, 0x1F9FF }, { 0x1FA70, 0x1FAF8 },
	{ 0x20000, 0x3FFFD },
};

/* ambiguous_ranges: East_Asian_Width A, without the private use areas
 * (whose width depends on the font; narrow is the safe guess). */
static const struct range ambiguous_ranges[] = {
	{ 0x00A1, 0x00A1 }, { 0x00A4, 0x00A4 }, { 0x00A7, 0x00A8 }, { 0x00AA, 0x00AA },
	{ 0x00AD, 0x00AE }, { 0x00B0, 0x00B4 }, { 0x00B6, 0x00BA }, { 0x00BC, 0x00BF },
	{ 0x00C6, 0x00C6 }, { 0x00D0, 0x00D0 }, { 0x00D7, 0x00D8 }, { 0x00DE, 0x00E1 },
	{ 0x00E6, 0x00E6 }, { 0x00E8, 0x00EA }, { 0x00EC, 0x00ED }, { 0x00F0, 0x00F0 },
	{ 0x00F2, 0x00F3 }, { 0x00F7, 0x00FA }, { 0x00FC, 0x00FC }, { 0x00FE, 0x00FE },
	{ 0x0101, 0x0101 }, { 0x0111, 0x0111 }, { 0x0113, 0x0113 }, { 0x011B, 0x011B },
	{ 0x0126, 0x0127 }, { 0x012B, 0x012B }, { 0x0131, 0x0133 }, { 0x0138, 0x0138 },
	{ 0x013F, 0x0142 }, { 0x0144, 0x0144 }, { 0x0148, 0x014B }, { 0x014D, 0x014D },
	{ 0x0152, 0x0153 }, { 0x0166, 0x0167 }, { 0x016B, 0x016B }, { 0x01CE, 0x01CE },
	{ 0x01D0, 0x01D0 }, { 0x01D2, 0x01D2 }, { 0x01D4, 0x01D4 }, { 0x01D6, 0x01D6 },
	{ 0x01D8, 0x01D8 }, { 0x01DA, 0x01DA }, { 0x01DC, 0x01DC }, { 0x0251, 0x0251 },
	{ 0x0261, 0x0261 }, { 0x02C4, 0x02C4 }, { 0x02C7, 0x02C7 }, { 0x02C9, 0x02CB },
	{ 0x02CD, 0x02CD }, { 0x02D0, 0x02D0 }, { 0x02D8, 0x02DB }, { 0x02DD, 0x02DD },
	{ 0x02DF, 0x02DF }, { 0x0391, 0x03A9 }, { 0x03B1, 0x03C1 }, { 0x03C3, 0x03C9 },
	{ 0x0401, 0x0401 }, { 0x0410, 0x044F }, { 0x0451, 0x0451 }, { 0x2010, 0x2010 },
	{ 0x2013, 0x2016 }, { 0x2018, 0x2019 }, { 0x201C, 0x201D }, { 0x2020, 0x2022 },
	{ 0x2024, 0x2027 }, { 0x2030, 0x2030 }, { 0x2032, 0x2033 }, { 0x2035, 0x2035 },
	{ 0x203B, 0x203B }, { 0x203E, 0x203E }, { 0x2074, 0x2074 }, { 0x207F, 0x207F },
	{ 0x2081, 0x2084 }, { 0x20AC, 0x20AC }, { 0x2103, 0x2103 }, { 0x2105, 0x2105 },
	{ 0x2109, 0x2109 }, { 0x2113, 0x2113 }, { 0x2116, 0x2116 }, { 0x2121, 0x2122 },
	{ 0x2126, 0x2126 }, { 0x212B, 0x212B }, { 0x2153, 0x2154 }, { 0x215B, 0x215E },
	{ 0x2160, 0x216B }, { 0x2170, 0x2179 }, { 0x2189, 0x2189 }, { 0x2190, 0x2199 },
	{ 0x21B8, 0x21B9 }, { 0x21D2, 0x21D2 }, { 0x21D4, 0x21D4 }, { 0x21E7, 0x21E7 },
	{ 0x2200, 0x2200 }, { 0x2202, 0x2203 }, { 0x2207, 0x2208 }, { 0x220B, 0x220B },
	{ 0x220F, 0x220F }, { 0x2211, 0x2211 }, { 0x2215, 0x2215 }, { 0x221A, 0x221A },
	{ 0x221D, 0x2220 }, { 0x2223, 0x2223 }, { 0x2225, 0x2225 }, { 0x2227, 0x222C },
	{ 0x222E, 0x222E }, { 0x2234, 0x2237 }, { 0x223C, 0x223D }, { 0x2248, 0x2248 },
	{ 0x224C, 0x224C }, { 0x2252, 0x2252 }, { 0x2260, 0x2261 }, { 0x2264, 0x2267 },
	{ 0x226A, 0x226B }, { 0x226E, 0x226F }, { 0x2282, 0x2283 }, { 0x2286, 0x2287 },
	{ 0x2295, 0x2295 }, { 0x2299, 0x2299 }, { 0x22A5, 0x22A5 }, { 0x22BF, 0x22BF },
	{ 0x2312, 0x2312 }, { 0x2460, 0x24E9 }, { 0x24EB, 0x254B }, { 0x2550, 0x2573 },
	{ 0x2580, 0x258F }, { 0x2592, 0x2595 }, { 0x25A0, 0x25A1 }, { 0x25A3, 0x25A9 },
	{ 0x25B2, 0x25B3 }, { 0x25B6, 0x25B7 }, { 0x25BC, 0x25BD }, { 0x25C0, 0x25C1 },
	{ 0x25C6, 0x25C8 }, { 0x25CB, 0x25CB }, { 0x25CE, 0x25D1 }, { 0x25E2, 0x25E5 },
	{ 0x25EF, 0x25EF }, { 0x2605, 0x2606 }, { 0x2609, 0x2609 }, { 0x260E, 0x260F },
	{ 0x261C, 0x261C }, { 0x261E, 0x261E }, { 0x2640, 0x2640 }, { 0x2642, 0x2642 },
	{ 0x2660, 0x2661 }, { 0x2663, 0x2665 }, { 0x2667, 0x266A }, { 0x266C, 0x266D },
	{ 0x266F, 0x266F }, { 0x269E, 0x269F }, { 0x26BF, 0x26BF }, { 0x26C6, 0x26CD },
	{ 0x26CF, 0x26D3 }, { 0x26D5, 0x26E1 }, { 0x26E3, 0x26E3 }, { 0x26E8, 0x26E9 },
	{ 0x26EB, 0x26F1 }, { 0x26F4, 0x26F4 }, { 0x26F6, 0x26F9 }, { 0x26FB, 0x26FC },
	{ 0x26FE, 0x26FF }, { 0x273D, 0x273D }, { 0x2776, 0x277F }, { 0x2B56, 0x2B59 },
	{ 0x3248, 0x324F }, { 0xFFFD, 0xFFFD }, { 0x1F100, 0x1F10A }, { 0x1F110, 0x1F12D },
	{ 0x1F130, 0x1F169 }, { 0x1F170, 0x1F18D }, { 0x1F18F, 0x1F190 }, { 0x1F19B, 0x1F1AC },
};

#define COUNT(t) (sizeof(t) / sizeof((t)[0]))

static bool ambiguous_is_wide;

void duban_utf8_set_ambiguous_wide(bool wide)
{
	ambiguous_is_wide = wide;
}

bool duban_utf8_ambiguous_wide(void)
{
	return ambiguous_is_wide;
}

static bool in_table(uint32_t cp, const struct range *t, size_t n)
{
	if (cp < t[0].lo || cp > t[n - 1].hi)
		return false;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp > t[mid].hi)
			lo = mid + 1;
		else if (cp < t[mid].lo)
			hi = mid;
		else
			return true;
	}
	return false;
}

/* ---------------------------------------------------------------- codec */

/* len == 0 has nothing to decode: *cp is U+FFFD and 0 is returned. */
size_t duban_utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	*cp = 0xFFFD;
	if (len == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	size_t need;
	uint32_t v, min;
	if (p[0] < 0xC2)
		return 1; /* a stray continuation byte, or an overlong C0/C1 lead */
	if (p[0] < 0xE0) {
		need = 1, v = p[0] & 0x1Fu, min = 0x80;
	} else if (p[0] < 0xF0) {
		need = 2, v = p[0] & 0x0Fu, min = 0x800;
	} else if (p[0] < 0xF5) {
		need = 3, v = p[0] & 0x07u, min = 0x10000;
	} else {
		return 1;
	}
	if (len <= need)
		return 1;
	for (size_t i = 1; i <= need; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 1;
		v = v << 6 | (p[i] & 0x3Fu);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 1;
	*cp = v;
	return need + 1;
}

bool duban_utf8_valid(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = duban_utf8_decode(s + i, len - i, &cp);
		/* A U+FFFD that was written as such takes three bytes; the decoder's
		 * stand-in for a bad sequence takes one. */
		if (cp == 0xFFFD && n != 3)
			return false;
		i += n;
	}
	return true;
}

size_t duban_utf8_encode(uint32_t cp, char out[4])
{
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* ---------------------------------------------------------------- width */

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

int duban_cp_width(uint32_t cp)
{
	if (cp >= 0x20 && cp < 0x7F)
		return 1;
	/* CJK ideographs, most of a Chinese ledger: the wide table holds the
	 * whole block and no zero-width or ambiguous range touches it, so it is
	 * answered without a search. */
	if (cp >= 0x4E00 && cp <= 0x9FFF)
		return 2;
	if (is_control(cp))
		return -1;
	if (in_table(cp, zero_width_ranges, COUNT(zero_width_ranges)))
		return 0;
	if (in_table(cp, wide_ranges, COUNT(wide_ranges)))
		return 2;
	if (in_table(cp, ambiguous_ranges, COUNT(ambiguous_ranges)))
		return ambiguous_is_wide ? 2 : 1;
	return 1;
}

/* Width for layout: control characters take no room.  The string functions
 * below take NULL as "": optional fields reach them unchecked. */
static int layout_width(uint32_t cp)
{
	int w = duban_cp_width(cp);
	return w < 0 ? 0 : w;
}

int duban_str_width(const char *s)
{
	if (!s)
		return 0;
	size_t len = strlen(s), i = 0;
	int w = 0;
	while (i < len) {
		uint32_t cp;
		i += duban_utf8_decode(s + i, len - i, &cp);
		w += layout_width(cp);
	}
	return w;
}

/* A zero-width character after the last one that fits is kept: combining
 * marks belong to the character before them. */
size_t duban_utf8_fit(const char *s, int cols)
{
	if (!s)
		return 0;
	size_t len = strlen(s), i = 0;
	int used = 0;
	while (i < len) {
		uint32_t cp;
		size_t n = duban_utf8_decode(s + i, len - i, &cp);
		int w = layout_width(cp);
		if (used + w > cols)
			break;
		used += w;
		i += n;
	}
	return i;
}

#define ELLIPSIS "\xE2\x80\xA6"

char *duban_truncate(const char *s, int cols)
{
	if (!s)
		s = "";
	if (cols <= 0)
		return xstrdup("");
	if (duban_str_width(s) <= cols)
		return xstrdup(s);
	int mark = duban_cp_width(0x2026);
	/* No room for the mark: better a clean cut than a line overflow. */
	if (cols < mark)
		return xstrndup(s, duban_utf8_fit(s, cols));
	struct duban_buf b;
	duban_buf_init(&b);
	duban_buf_add(&b, s, duban_utf8_fit(s, cols - mark));
	duban_buf_puts(&b, ELLIPSIS);
	return duban_buf_steal(&b);
}

char *duban_pad(const char *s, int cols, bool right)
{
	char *t = duban_truncate(s, cols);
	int w = duban_str_width(t);
	if (w >= cols)
		return t;
	struct duban_buf b;
	duban_buf_init(&b);
	if (!right)
		duban_buf_puts(&b, t);
	for (int i = w; i < cols; i++)
		duban_buf_putc(&b, ' ');
	if (right)
		duban_buf_puts(&b, t);
	free(t);
	return duban_buf_steal(&b);
}

/* ---------------------------------------------------------------- wrap */

/* Punctuation that must not begin a line (kinsoku shori, 避头尾). */
static bool is_closing(uint32_t cp)
{
	static const uint32_t set[] = {
		'!', ')', ',', '.', ':', ';', '?', ']', '}',
		0x2019, 0x201D, 0x3001, 0x3002, 0x3009, 0x300B, 0x300D, 0x300F, 0x3011,
		0x3015, 0x3017, 0x3019, 0xFF01, 0xFF09, 0xFF0C, 0xFF0E, 0xFF1A, 0xFF1B,
		0xFF1F, 0xFF3D, 0xFF5D,
	};
	for (size_t i = 0; i < COUNT(set); i++)
		if (set[i] == cp)
			return true;
	return false;
}

bool duban_no_line_start(uint32_t cp)
{
	return is_closing(cp);
}

/* Punctuation that must not end a line. */
static bool is_opening(uint32_t cp)
{
	static const uint32_t set[] = {
		'(', '[', '{', 0x2018, 0x201C, 0x3008, 0x300A, 0x300C, 0x300E, 0x3010,
		0x3014, 0x3016, 0x3018, 0xFF08, 0xFF3B, 0xFF5B,
	};
	for (size_t i = 0; i < COUNT(set); i++)
		if (set[i] == cp)
			return true;
	return false;
}

enum unit_kind { UNIT_SPACE, UNIT_WORD, UNIT_CJK };

/* What the wrapper moves as a whole: a run of spaces, a Latin word, or one
 * CJK character or bracket (each with its combining marks). */
struct unit {
	size_t off, len;
	int width;
	enum unit_kind kind;
	uint32_t first, last;
};

struct units {
	struct unit *v;
	size_t n, cap;
};

static void units_push(struct units *u, struct unit x)
{
	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 32;
		u->v = xrealloc(u->v, u->cap * sizeof *u->v);
	}
	u->v[u->n++] = x;
}

static bool is_space(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\r';
}

/* One character with the zero-width characters that follow it. */
static size_t next_char(const char *p, size_t len, uint32_t *cp, int *width)
{
	size_t i = duban_utf8_decode(p, len, cp);
	*width = is_space(*cp) ? 1 : layout_width(*cp);
	if (is_space(*cp))
		return i;
	while (i < len) {
		uint32_t next;
		size_t n = duban_utf8_decode(p + i, len - i, &next);
		if (is_space(next) || layout_width(next) != 0)
			break;
		i += n;
	}
	return i;
}

static enum unit_kind kind_of(uint32_t cp)
{
	if (is_space(cp))
		return UNIT_SPACE;
	if (cp < 0x80)
		return UNIT_WORD;
	if (in_table(cp, wide_ranges, COUNT(wide_ranges)) || is_closing(cp) || is_opening(cp))
		return UNIT_CJK;
	return UNIT_WORD;
}

static void split_units(const char *p, size_t len, struct units *out)
{
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		int w;
		size_t n = next_char(p + i, len - i, &cp, &w);
		enum unit_kind k = kind_of(cp);
		struct unit *last = out->n ? &out->v[out->n - 1] : NULL;
		bool joins = last && k != UNIT_CJK && last->kind == k && last->off + last->len == i;
		if (joins) {
			last->len += n;
			last->width += w;
			last->last = cp;
		} else {
			units_push(out, (struct unit){ i, n, w, k, cp, cp });
		}
		i += n;
	}
}

struct lines {
	char **v;
	size_t n, cap;
};

static void lines_push(struct lines *l, char *line)
{
	if (l->n + 1 >= l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	l->v[l->n++] = line;
	l->v[l->n] = NULL;
}

static void push_trimmed(struct lines *l, const char *p, size_t len)
{
	while (len > 0 && is_space((unsigned char)p[len - 1]))
		len--;
	lines_push(l, xstrndup(p, len));
}

/* Cuts the head of a unit that is wider than the whole line: as many
 * characters as fit in avail, and always at least one so that wrapping
 * moves on.  Returns the bytes taken and shrinks the unit. */
static size_t take_head(const char *p, struct unit *u, int avail)
{
	size_t i = 0;
	int used = 0;
	while (i < u->len) {
		uint32_t cp;
		int w;
		size_t n = next_char(p + u->off + i, u->len - i, &cp, &w);
		if (i > 0 && used + w > avail)
			break;
		used += w;
		i += n;
	}
	u->off += i;
	u->len -= i;
	u->width -= used;
	return i;
}

static bool has_content(const struct unit *v, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (v[i].kind != UNIT_SPACE)
			return true;
	return false;
}

/* Moves the break back so that the next line does not begin with closing
 * punctuation and this one does not end with opening punctuation, as long
 * as something stays on this line.  Returns the new break. */
static size_t avoid_bad_break(const struct unit *v, size_t n, size_t start, size_t pos)
{
	size_t p = pos;
	while (p < n && is_closing(v[p].first) && v[p - 1].kind != UNIT_SPACE
		&& has_content(v, start, p - 1))
		p--;
	if (p < n && is_closing(v[p].first))
		p = pos; /* cannot be avoided: keep the full line */
	while (p < n && is_opening(v[p - 1].last) && v[p - 1].kind != UNIT_SPACE
		&& has_content(v, start, p - 1))
		p--;
	return p;
}

struct span {
	size_t start, end;
};

/* Fills one line from unit *at on, as far as cols allows; returns the bytes
 * of the line and moves *at to the first unit of the next one. */
static struct span fill_line(const char *p, size_t len, struct units *u, size_t *at, int cols)
{
	size_t pos = *at, start = pos;
	struct span line = { u->v[pos].off, 0 };
	int w = 0;
	bool content = false;
	for (; pos < u->n; pos++) {
		struct unit *x = &u->v[pos];
		if (w + x->width <= cols) {
			w += x->width;
			content |= x->kind != UNIT_SPACE;
			continue;
		}
		if (content)
			break;
		if (x->kind == UNIT_SPACE) {
			/* Indentation wider than what follows can use. */
			start = pos + 1;
			line.start = start < u->n ? u->v[start].off : len;
			w = 0;
			continue;
		}
		/* Too long for any line: cut it, dropping the indentation. */
		line.start = x->off;
		line.end = x->off + take_head(p, x, cols);
		*at = x->len == 0 ? pos + 1 : pos;
		return line;
	}
	if (pos > start) {
		pos = avoid_bad_break(u->v, u->n, start, pos);
		line.end = u->v[pos - 1].off + u->v[pos - 1].len;
	} else {
		line.end = line.start;
	}
	*at = pos;
	return line;
}

static void wrap_paragraph(const char *p, size_t len, int cols, struct lines *out)
{
	struct units u = { NULL, 0, 0 };
	split_units(p, len, &u);
	if (u.n == 0)
		lines_push(out, xstrdup(""));
	size_t pos = 0;
	bool first = true;
	while (pos < u.n) {
		/* Spaces at a break vanish; indentation of the first line stays. */
		while (!first && pos < u.n && u.v[pos].kind == UNIT_SPACE)
			pos++;
		if (pos == u.n)
			break;
		first = false;
		struct span line = fill_line(p, len, &u, &pos, cols);
		push_trimmed(out, p + line.start, line.end - line.start);
	}
	free(u.v);
}

char **duban_wrap(const char *s, int cols)
{
	if (!s)
		s = "";
	struct lines l = { NULL, 0, 0 };
	lines_push(&l, NULL);
	l.n = 0;
	if (cols < 1)
		cols = 1;
	const char *p = s;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		wrap_paragraph(p, len, cols, &l);
		if (!nl)
			break;
		p = nl + 1;
	}
	return l.v;
}

void duban_lines_free(char **lines)
{
	if (!lines)
		return;
	for (char **l = lines; *l; l++)
		free(*l);
	free(lines);
}

/* ---------------------------------------------------------------- sanitize */

/* Skips a control string (OSC, DCS, SOS, PM, APC) up to its terminator:
 * ST (ESC \ or U+009C) or, as xterm also accepts, BEL.  Another ESC ends it
 * too and is left for the caller, so an unterminated string cannot swallow
 * the escape sequence that follows. */
static size_t skip_string(const char *s, size_t len, size_t i)
{
	while (i < len) {
		uint32_t cp;
		size_t n = duban_utf8_decode(s + i, len - i, &cp);
		if (cp == 0x07 || cp == 0x9C)
			return i + n;
		if (cp == 0x1B)
			return i + 1 < len && s[i + 1] == '\\' ? i + 2 : i;
		i += n;
	}
	return i;
}

/* Skips the parameters and the final byte of a CSI sequence.  A byte that
 * cannot belong to one ends it without being eaten. */
static size_t skip_csi(const char *s, size_t len, size_t i)
{
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x40 && c <= 0x7E)
			return i + 1;
		if (c < 0x20 || c > 0x3F)
			return i;
		i++;
	}
	return i;
}

/* i is just after an ESC. */
static size_t skip_escape(const char *s, size_t len, size_t i)
{
	if (i >= len)
		return i;
	unsigned char c = (unsigned char)s[i];
	if (c == '[')
		return skip_csi(s, len, i + 1);
	if (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_')
		return skip_string(s, len, i + 1);
	/* nF sequences such as ESC ( B: intermediates, then one final byte. */
	while (i < len && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] <= 0x2F)
		i++;
	if (i < len && (unsigned char)s[i] >= 0x30 && (unsigned char)s[i] <= 0x7E)
		i++;
	return i;
}

/* Bidi embeddings, overrides and isolates reorder the rest of the terminal
 * line, so text from the ledger could disguise what follows it. */
static bool is_bidi_control(uint32_t cp)
{
	return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* C1 controls given as code points, the way a UTF-8 terminal reads them. */
static size_t skip_c1(const char *s, size_t len, size_t i, uint32_t cp)
{
	if (cp == 0x9B)
		return skip_csi(s, len, i);
	if (cp == 0x9D || cp == 0x90 || cp == 0x98 || cp == 0x9E || cp == 0x9F)
		return skip_string(s, len, i);
	return i;
}

/* True when sanitising s would change nothing (printable text, valid
 * UTF-8: nearly every cell), so it is copied as it is. */
static bool already_clean(const char *s, size_t len, bool keep_newlines)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 0x20 && c < 0x7F) || (c == '\n' && keep_newlines)) {
			i++;
			continue;
		}
		if (c < 0x80)
			return false;
		uint32_t cp;
		size_t n = duban_utf8_decode(s + i, len - i, &cp);
		/* A bad sequence decodes to a one-byte U+FFFD, written as three. */
		if ((cp == 0xFFFD && n != 3) || cp <= 0x9F || is_bidi_control(cp))
			return false;
		i += n;
	}
	return true;
}

bool duban_is_clean(const char *s, bool keep_newlines)
{
	return !s || already_clean(s, strlen(s), keep_newlines);
}

int duban_clean_width(const char *s, size_t *len)
{
	if (!s) {
		*len = 0;
		return 0;
	}
	size_t i = 0;
	int w = 0;
	for (;;) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7F) {
			w++;
			i++;
			continue;
		}
		if (c < 0x80)
			break;
		uint32_t cp;
		/* duban_utf8_decode stops at the terminator within a sequence. */
		size_t n = duban_utf8_decode(s + i, strnlen(s + i, 4), &cp);
		if ((cp == 0xFFFD && n != 3) || cp <= 0x9F || is_bidi_control(cp)) {
			*len = i + strlen(s + i);
			return -1;
		}
		w += layout_width(cp);
		i += n;
	}
	*len = i + strlen(s + i);
	return s[i] ? -1 : w;
}

char *duban_sanitize(const char *s, bool keep_newlines)
{
	if (!s)
		s = "";
	size_t len = strlen(s), i = 0;
	if (already_clean(s, len, keep_newlines))
		return xstrdup(s);
	struct duban_buf b;
	duban_buf_init(&b);
	while (i < len) {
		uint32_t cp;
		size_t n = duban_utf8_decode(s + i, len - i, &cp);
		i += n;
		if (cp == 0x1B) {
			i = skip_escape(s, len, i);
		} else if (cp >= 0x80 && cp <= 0x9F) {
			i = skip_c1(s, len, i, cp);
		} else if (cp == '\n') {
			duban_buf_putc(&b, keep_newlines ? '\n' : ' ');
		} else if (cp == '\r') {
			/* CR LF is one line end; a lone CR becomes a space. */
			if (!keep_newlines && s[i] != '\n')
				duban_buf_putc(&b, ' ');
		} else if (cp == '\t') {
			duban_buf_putc(&b, ' ');
		} else if (cp < 0x20 || cp == 0x7F || is_bidi_control(cp)) {
			continue;
		} else {
			char enc[4];
			duban_buf_add(&b, enc, duban_utf8_encode(cp, enc));
		}
	}
	return duban_buf_steal(&b);
}
