/* Config parser tests: a full valid file, defaults, and every malformed
 * input the parser knows, each with its exact "file:line: reason". */
#include "unit.h"
#include "cfg/domcfg.h"
#include "public/tessera.h"

static int parse(const char *text, struct domcfg *d, char *err)
{
    err[0] = 0;
    return domcfg_parse("t.cfg", text, strlen(text), d, err, CFG_ERR_LEN);
}

static void test_valid(void)
{
    static struct domcfg d;
    char err[CFG_ERR_LEN];
    const char *text =
        "# a service domain\n"
        "name = \"net-back\"   # trailing comment\n"
        "kernel = '/boot/runtime.elf'\n"
        "ramdisk = \"/boot/netback\"; memory = 64\n"
        "maxmem = 0x80\n"
        "vcpus = 2\n"
        "extra = \"console=hvc0 x=\\\"q\\\"\\t\"\n"
        "on_poweroff = \"destroy\"\n on_reboot = \"preserve\"\n on_crash = \"restart\"\n"
        "vif = [ 'mac=00:16:3e:00:00:01,bridge=br0',\n"
        "        'ip=10.0.0.2', ]\n"
        "disk = [ 'phy:/dev/vg/lv,xvda1,w', 'format=raw, vdev=xvdb, access=ro, target=/x' ]\n"
        "capabilities = [ \"IO\", \"xenstore\" ]\n"
        "devices = [ \"ioports=0x2f8-0x2ff\", \"irq=3\", \"mmio=0xfebf0\", \"pci=0000:00:03.0\" ]\n"
        "type = \"pv\"\n";
    int rc = parse(text, &d, err);
    CHECK(rc == 0, "valid file parses: %s", err);
    CHECK_STR(d.name, "net-back", "name");
    CHECK_STR(d.kernel, "/boot/runtime.elf", "kernel");
    CHECK_STR(d.ramdisk, "/boot/netback", "ramdisk");
    CHECK_STR(d.cmdline, "console=hvc0 x=\"q\"\t", "extra with escapes");
    CHECK(d.memory_mb == 64 && d.maxmem_mb == 128 && d.vcpus == 2, "numbers");
    CHECK(d.on_poweroff == ACT_DESTROY && d.on_reboot == ACT_PRESERVE && d.on_crash == ACT_RESTART,
          "actions");
    CHECK(d.nvif == 2 && !strcmp(d.vif[1], "ip=10.0.0.2"), "vifs");
    CHECK(d.ndisk == 2, "disks");
    CHECK(d.caps == (TESSERA_CAP_IO | TESSERA_CAP_XENSTORE), "caps %#x", d.caps);
    CHECK(d.ndev == 4 && d.dev[0].kind == DEV_IOPORTS && d.dev[0].first == 0x2f8 && d.dev[0].last == 0x2ff &&
              d.dev[1].kind == DEV_IRQ && d.dev[1].first == 3 && d.dev[2].first == 0xfebf0 &&
              d.dev[2].last == 0xfebf0 && d.dev[3].first == (3 << 3),
          "devices");
    char caps[64];
    dom_caps_str(d.caps, caps, sizeof(caps));
    CHECK_STR(caps, "IO,XENSTORE", "caps string");
}

static void test_defaults(void)
{
    static struct domcfg d;
    char err[CFG_ERR_LEN];
    CHECK(parse("name=\"g\"\nkernel=\"k\"\ncmdline=\"c\"", &d, err) == 0, "minimal: %s", err);
    CHECK(d.memory_mb == DOM_DEFAULT_MB && d.maxmem_mb == DOM_DEFAULT_MB && d.vcpus == 1,
          "default memory/vcpus");
    CHECK(d.on_poweroff == ACT_DESTROY && d.on_reboot == ACT_RESTART && d.on_crash == ACT_DESTROY,
          "default actions (xl's)");
    CHECK(d.caps == 0 && d.ndev == 0 && !d.ramdisk[0], "no caps, devices, ramdisk");
    CHECK_STR(d.cmdline, "c", "cmdline");
    CHECK(parse("", &d, err) == -1, "empty file refused");
    CHECK_STR(err, "t.cfg:1: missing 'name'", "empty file");
}

static const struct {
    const char *text, *err;
} bad[] = {
    { "name = \"a\nkernel=\"k\"\n", "t.cfg:1: unterminated string" },
    { "name = \"a\\q\"\n", "t.cfg:1: bad escape sequence in string" },
    { "name = \"a\\x00\"\n", "t.cfg:1: bad escape sequence in string" },
    { "name = \"a\\x4\"\n", "t.cfg:1: bad escape sequence in string" },
    { "\nname = \"a\x01\"\n", "t.cfg:2: control character in string" },
    { "memory = 12a\n", "t.cfg:1: bad number" },
    { "memory = 0x\n", "t.cfg:1: bad number" },
    { "memory = 012\n", "t.cfg:1: bad number" },
    { "memory = 99999999999999999999999\n", "t.cfg:1: number too large" },
    { "memory = 0x1ffffffffffffffff\n", "t.cfg:1: number too large" },
    { "name = foo\n", "t.cfg:1: bad value for 'name' (strings must be quoted)" },
    { "name = -1\n", "t.cfg:1: bad value for 'name' (strings must be quoted)" },
    { "name =\nkernel=\"k\"\n", "t.cfg:1: missing value for 'name'" },
    { "name = ;\n", "t.cfg:1: missing value for 'name'" },
    { "name", "t.cfg:1: expected '=' after 'name'" },
    { "name : \"x\"\n", "t.cfg:1: expected '=' after 'name'" },
    { "= \"x\"\n", "t.cfg:1: expected a setting name" },
    { "9name = \"x\"\n", "t.cfg:1: expected a setting name" },
    { "name = \"a\" \"b\"\n", "t.cfg:1: unexpected text after the value of 'name'" },
    { "memory = 5 6\n", "t.cfg:1: unexpected text after the value of 'memory'" },
    { "vif = [ 'a',\n 'b'\n", "t.cfg:1: unterminated list" },
    { "vif = [ 'a'\n 'b' ]\n", "t.cfg:2: expected ',' or ']' in list" },
    { "vif = [ 1 ]\n", "t.cfg:1: list elements must be quoted strings" },
    { "vif = [ [ 'a' ] ]\n", "t.cfg:1: list elements must be quoted strings" },
    { "vif = [ 'a',, ]\n", "t.cfg:1: list elements must be quoted strings" },
    { "name = \"a\"\n\nname = \"b\"\n", "t.cfg:3: duplicate setting 'name' (first on line 1)" },
    { "name = \"a\0\"\n", "t.cfg:1: NUL byte in file" },
    { "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = 1\n", "t.cfg:1: setting name too long" },
    { "memroy = 1\n", "t.cfg:1: unknown setting 'memroy'" },
    { "name = 5\n", "t.cfg:1: 'name' must be a quoted string" },
    { "name = [ \"a\" ]\n", "t.cfg:1: 'name' must be a quoted string" },
    { "name = \"\"\n", "t.cfg:1: 'name' is empty" },
    { "name = \"a b\"\n", "t.cfg:1: bad character ' ' in name" },
    { "name = \"a/b\"\n", "t.cfg:1: bad character '/' in name" },
    { "name = \"-a\"\n", "t.cfg:1: name must start with a letter or digit" },
    { "name = \"42\"\n", "t.cfg:1: name must not be a number (it would look like a domain id)" },
    { "name = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n",
      "t.cfg:1: 'name' longer than 63 characters" },
    { "kernel = \"\"\n", "t.cfg:1: 'kernel' is empty" },
    { "name = \"a\"\n", "t.cfg:1: missing 'kernel'" },
    { "kernel = \"k\"\n#\n", "t.cfg:1: missing 'name'" },
    { "memory = \"64\"\n", "t.cfg:1: 'memory' must be a number" },
    { "memory = 0\n", "t.cfg:1: 'memory' must be between 1 and 1048576" },
    { "memory = 1048577\n", "t.cfg:1: 'memory' must be between 1 and 1048576" },
    { "vcpus = 0\n", "t.cfg:1: 'vcpus' must be between 1 and 8" },
    { "vcpus = 9\n", "t.cfg:1: 'vcpus' must be between 1 and 8" },
    { "name=\"a\"\nkernel=\"k\"\nmemory=64\nmaxmem=32\n", "t.cfg:4: 'maxmem' (32) is below 'memory' (64)" },
    { "extra = \"a\"\ncmdline = \"b\"\n", "t.cfg:2: both 'cmdline' and 'extra' are set (line 1)" },
    { "cmdline = \"b\"; extra = \"a\"\n", "t.cfg:1: both 'cmdline' and 'extra' are set (line 1)" },
    { "on_crash = \"reboot\"\n", "t.cfg:1: 'on_crash' must be \"destroy\", \"restart\" or \"preserve\"" },
    { "on_reboot = \"rename-restart\"\n", "t.cfg:1: 'on_reboot' action \"rename-restart\" is not supported" },
    { "on_poweroff = 1\n", "t.cfg:1: 'on_poweroff' must be a quoted string" },
    { "type = \"hvm\"\n", "t.cfg:1: only type = \"pv\" is supported" },
    { "vif = \"mac=00:16:3e:00:00:01\"\n", "t.cfg:1: 'vif' must be a list" },
    { "vif = [ 'bridge' ]\n", "t.cfg:1: vif: 'bridge' is not key=value" },
    { "vif = [ 'colour=red' ]\n", "t.cfg:1: vif: unknown key 'colour'" },
    { "vif = [ 'rate-pps=0' ]\n", "t.cfg:1: vif: rate-pps '0' is not a number of packets/s (1-4294967296)" },
    { "vif = [ 'rx-rate-pps=12x' ]\n",
      "t.cfg:1: vif: rx-rate-pps '12x' is not a number of packets/s (1-4294967296)" },
    { "vif = [ 'antispoof=yes' ]\n", "t.cfg:1: vif: antispoof 'yes' is not 0 or 1" },
    { "vif = [ 'bridge=' ]\n", "t.cfg:1: vif: empty value for 'bridge'" },
    { "vif = [\n'mac=00:16:3e:00:00' ]\n", "t.cfg:2: vif: bad mac '00:16:3e:00:00'" },
    { "vif = [ 'mac=00:16:3e:00:00:0g' ]\n", "t.cfg:1: vif: bad mac '00:16:3e:00:00:0g'" },
    { "vif = [ 'mac=01:16:3e:00:00:01' ]\n", "t.cfg:1: vif: mac '01:16:3e:00:00:01' is a multicast address" },
    { "vif = [ '','','','','','','','','' ]\n", "t.cfg:1: more than 8 vifs" },
    { "disk = [ '/img,raw' ]\n", "t.cfg:1: disk: no virtual device (vdev) in '/img,raw'" },
    { "disk = [ '/img,raw,xvd1' ]\n", "t.cfg:1: disk: bad virtual device 'xvd1'" },
    { "disk = [ 'target=/img,vdev=xvda,access=x' ]\n", "t.cfg:1: disk: bad access 'x'" },
    { "disk = [ 'format=vmdk,vdev=xvda' ]\n", "t.cfg:1: disk: unknown format 'vmdk'" },
    { "disk = [ 'size=5,vdev=xvda' ]\n", "t.cfg:1: disk: unknown key 'size'" },
    { "capabilities = [ 'BUILD', 'ROOT' ]\n",
      "t.cfg:1: unknown capability 'ROOT' (BUILD, IO, XENSTORE, CONSOLE, SCHED)" },
    { "capabilities = [ 'IO',\n 'io' ]\n", "t.cfg:2: capability IO listed twice" },
    { "capabilities = 'IO'\n", "t.cfg:1: 'capabilities' must be a list" },
    { "name=\"a\"\nkernel=\"k\"\ndevices = [ 'irq=4' ]\n", "t.cfg:3: 'devices' needs capability IO" },
    { "devices = [ 'irq=0' ]\n",
      "t.cfg:1: bad device 'irq=0' (ioports=A-B, irq=N, mmio=A-B or pci=SSSS:BB:DD.F)" },
    { "devices = [ 'irq=256' ]\n",
      "t.cfg:1: bad device 'irq=256' (ioports=A-B, irq=N, mmio=A-B or pci=SSSS:BB:DD.F)" },
    { "devices = [ 'irq=3-4' ]\n",
      "t.cfg:1: bad device 'irq=3-4' (ioports=A-B, irq=N, mmio=A-B or pci=SSSS:BB:DD.F)" },
    { "devices = [ 'ioports=0x300-0x2ff' ]\n",
      "t.cfg:1: bad device 'ioports=0x300-0x2ff' (ioports=A-B, irq=N, mmio=A-B or pci=SSSS:BB:DD.F)" },
    { "devices = [ 'ioports=0x10000' ]\n",
      "t.cfg:1: bad device 'ioports=0x10000' (ioports=A-B, irq=N, mmio=A-B or pci=SSSS:BB:DD.F)" },
    { "devices = [ 'ioports=0x2f8-' ]\n",
      "t.cfg:1: bad device 'ioports=0x2f8-' (ioports=A-B, irq=N, mmio=A-B or pci=SSSS:BB:DD.F)" },
    { "devices = [ 'mmio=0x10000000000' ]\n",
      "t.cfg:1: bad device 'mmio=0x10000000000' (ioports=A-B, irq=N, mmio=A-B or pci=SSSS:BB:DD.F)" },
    { "devices = [ 'pci=0000:00:20.0' ]\n",
      "t.cfg:1: bad device 'pci=0000:00:20.0' (ioports=A-B, irq=N, mmio=A-B or pci=SSSS:BB:DD.F)" },
    { "devices = [ 'pci=0000:00:03.0x' ]\n",
      "t.cfg:1: bad device 'pci=0000:00:03.0x' (ioports=A-B, irq=N, mmio=A-B or pci=SSSS:BB:DD.F)" },
    { "modules = [ ]\n", "t.cfg:1: 'modules' is empty" },
    { "modules = [ ' x' ]\n", "t.cfg:1: module 0: no file name" },
    { "modules = [ 'a','a','a','a','a','a','a','a',\n'a' ]\n", "t.cfg:2: more than 8 modules" },
    { "name='a'\nkernel='k'\nramdisk='r'\nmodules=['p']\n", "t.cfg:4: both 'ramdisk' and 'modules' are set" },
    { "pci = [ '0000:00:20.0' ]\n", "t.cfg:1: bad pci device '0000:00:20.0' ([DDDD:]BB:DD.F)" },
    { "pci = [ 'zz' ]\n", "t.cfg:1: bad pci device 'zz' ([DDDD:]BB:DD.F)" },
    { "pci = [ '00:04.8' ]\n", "t.cfg:1: bad pci device '00:04.8' ([DDDD:]BB:DD.F)" },
    { "pci = [ '00:04.0',\n'0000:00:04.0:1' ]\n",
      "t.cfg:2: bad pci device '0000:00:04.0:1' ([DDDD:]BB:DD.F)" },
    { "pci = [ '00:04.0,permissive=1' ]\n",
      "t.cfg:1: pci '00:04.0,permissive=1': options and virtual slots are not supported" },
    { "pci = [ '00:04.0@3' ]\n", "t.cfg:1: pci '00:04.0@3': options and virtual slots are not supported" },
    { "devices = [ 'gpu' ]\n",
      "t.cfg:1: bad device 'gpu' (ioports=A-B, irq=N, mmio=A-B or pci=SSSS:BB:DD.F)" },
};

static void test_bad(void)
{
    static struct domcfg d;
    char err[CFG_ERR_LEN];
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        /* the NUL case needs its real length */
        size_t len = strlen(bad[i].text);
        if (strstr(bad[i].err, "NUL")) len += 3;
        memset(&d, 0x5a, sizeof(d));
        err[0] = 0;
        int rc = domcfg_parse("t.cfg", bad[i].text, len, &d, err, sizeof(err));
        CHECK(rc == -1, "bad input %zu refused", i);
        CHECK_STR(err, bad[i].err, "message");
        CHECK(d.name[0] == 0x5a && d.memory_mb == 0x5a5a5a5a, "bad input %zu leaves output alone", i);
    }
}

static void test_limits(void)
{
    static char big[CFG_MAX_SIZE + 2];
    static struct domcfg d;
    char err[CFG_ERR_LEN];
    memset(big, '#', sizeof(big));
    CHECK(domcfg_parse("t.cfg", big, sizeof(big), &d, err, sizeof(err)) == -1, "oversize refused");
    CHECK_STR(err, "t.cfg:1: file larger than 262144 bytes", "oversize message");
    /* a string one past the limit */
    size_t n = 0;
    n += sprintf(big + n, "extra = \"");
    memset(big + n, 'a', CFG_MAX_STR + 1);
    n += CFG_MAX_STR + 1;
    n += sprintf(big + n, "\"\n");
    CHECK(domcfg_parse("t.cfg", big, n, &d, err, sizeof(err)) == -1, "long string refused");
    CHECK_STR(err, "t.cfg:1: string longer than 1023 characters", "long string message");
    /* 65 list elements */
    n = sprintf(big, "vif = [");
    for (int i = 0; i < 65; i++)
        n += sprintf(big + n, "'',\n");
    n += sprintf(big + n, "]\n");
    CHECK(domcfg_parse("t.cfg", big, n, &d, err, sizeof(err)) == -1, "long list refused");
    CHECK_STR(err, "t.cfg:65: list longer than 64 elements", "long list message");
    /* 129 settings */
    n = 0;
    for (int i = 0; i < 129; i++)
        n += sprintf(big + n, "k%d = 1\n", i);
    CHECK(domcfg_parse("t.cfg", big, n, &d, err, sizeof(err)) == -1, "many settings refused");
    CHECK_STR(err, "t.cfg:129: more than 128 settings", "many settings message");
    /* a tiny error buffer is never overrun */
    char small[8];
    memset(small, 0x77, sizeof(small));
    domcfg_parse("a-long-file-name.cfg", "x", 1, &d, small, 6);
    CHECK(small[5] == 0 && small[6] == 0x77, "error text truncated within its buffer");
}

static void test_modules(void)
{
    static struct domcfg d;
    char err[CFG_ERR_LEN];
    CHECK(parse("name='s'\nkernel='runtime.elf'\nmodules=[ 'echo arg1 arg2', '/boot/data' ]\n", &d, err) == 0,
          "modules: %s", err);
    CHECK(d.nmod == 2 && !strcmp(d.module[0], "echo arg1 arg2") && !strcmp(d.module[1], "/boot/data"),
          "modules kept as written");
}

static void test_pci(void)
{
    static struct domcfg d;
    char err[CFG_ERR_LEN];
    CHECK(parse("name='blk'\nkernel='k'\npci = [ \"0000:00:04.0\", '00:1f.3', '0002:0a:1c.7' ]\n", &d, err) ==
              0,
          "pci: %s", err);
    CHECK(d.npci == 3 && d.pci[0] == 0x20 && d.pci[1] == 0xfb && d.pci[2] == 0x20ae7,
          "pci functions as SBDF");
}

/* The rest of xl.cfg(5): honoured, refused with the reason, or warned. */
static void test_compat(void)
{
    static struct domcfg d;
    char err[CFG_ERR_LEN];
    const char *text = "name = 'web~1'\nkernel = 'k'\nmax_event_channels = 2047\n"
                       "max_grant_frames = 16\ncpu_weight = 512\ncap = 50\nmaxvcpus = 1\n"
                       "cpus = 'all'\nlocaltime = 0\nbuilder = 'generic'\nviridian = 1\n"
                       "acpi = 1\n";
    CHECK(parse(text, &d, err) == 0, "xl.cfg keys for PV accepted: %s", err);
    CHECK_STR(d.name, "web~1", "'~' in a name");
    CHECK(d.max_evtchn_port == 2047 && d.max_grant_frames == 16 && d.cpu_weight == 512 && d.cpu_weight_set &&
              d.cpu_cap == 50 && d.cpu_cap_set,
          "limits and scheduler kept");
    CHECK(d.nwarn == 2, "two warnings (%d)", d.nwarn);
    CHECK_STR(d.warn[0], "t.cfg:11: warning: 'viridian' has no meaning for a PV guest: ignored",
              "HVM key warned with file:line");
    CHECK_STR(d.warn[1], "t.cfg:12: warning: 'acpi' has no meaning for a PV guest: ignored", "second");
    CHECK(parse("name='a'\nkernel='k'\ndomid = 0x7FEF\n", &d, err) == 0 && d.domid == 0x7FEF,
          "domid (Tessera): the id wanted, up to 0x7FEF");
    CHECK(parse("name='a'\nkernel='k'\n", &d, err) == 0 && d.max_evtchn_port == 1023 && !d.domid &&
              d.max_grant_frames == 32 && !d.cpu_weight_set && !d.nwarn,
          "defaults as xl's");
    static const struct {
        const char *text, *err;
    } no[] = {
        { "seclabel = 'system_u:system_r:domU_t'\n",
          "t.cfg:3: 'seclabel': XSM/FLASK security labels are not supported" },
        { "bootloader = 'pygrub'\n", "t.cfg:3: 'bootloader': a bootloader (pygrub) is not "
                                     "supported: name the image with kernel = \"...\" (and ramdisk)" },
        { "cpus = '0-1'\n", "t.cfg:3: 'cpus': vCPU pinning is not supported (the hypervisor "
                            "has no vCPU affinity); use \"all\" or leave it out" },
        { "localtime = 1\n", "t.cfg:3: 'localtime' = 1 is not supported: a guest's wallclock "
                             "is UTC" },
        { "vcpus = 1\nmaxvcpus = 2\n", "t.cfg:4: 'maxvcpus' (2) differs from 'vcpus' (1): "
                                       "vCPU hotplug is not supported yet; set both to the same number" },
        { "max_event_channels = 5000\n", "t.cfg:3: 'max_event_channels' must be between 1 "
                                         "and 4095" },
        { "max_grant_frames = 0\n", "t.cfg:3: 'max_grant_frames' must be between 1 and 32" },
        { "cap = 70000\n", "t.cfg:3: 'cap' must be between 0 and 65534" },
        { "domid = 0\n", "t.cfg:3: 'domid' must be between 1 and 32751" },
        { "domid = 0x7FF0\n", "t.cfg:3: 'domid' must be between 1 and 32751" },
        { "cpu_weight = '5'\n", "t.cfg:3: 'cpu_weight' must be a number" },
        { "builder = 'hvm'\n", "t.cfg:3: only PV guests are supported (builder = \"generic\")" },
        { "vfb = [ 'vnc=1' ]\n", "t.cfg:3: 'vfb': virtual framebuffers are not supported "
                                 "(no back end)" },
        { "name2 = 'x'\n", "t.cfg:3: unknown setting 'name2'" },
    };
    for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++) {
        char buf[512];
        snprintf(buf, sizeof(buf), "name='a'\nkernel='k'\n%s", no[i].text);
        CHECK(parse(buf, &d, err) == -1, "refused: %s", no[i].text);
        CHECK_STR(err, no[i].err, no[i].text);
    }
    CHECK(parse("name='a/b'\nkernel='k'\n", &d, err) == -1 &&
              !strcmp(err, "t.cfg:1: bad character '/' in name"),
          "'/' in a name refused: %s", err);
    /* xl create's KEY=VALUE lines replace the file's settings */
    const char *f = "name='a'\nkernel='k'\nmemory=64\n";
    CHECK(domcfg_parse_extra("t.cfg", f, strlen(f), "memory=128\nvcpus=2\n", &d, err, sizeof(err)) == 0 &&
              d.memory_mb == 128 && d.vcpus == 2,
          "command-line settings override: %s", err);
    CHECK(domcfg_parse_extra("t.cfg", f, strlen(f), "memory=x\n", &d, err, sizeof(err)) == -1,
          "a bad command-line setting refused");
    CHECK_STR(err, "t.cfg:5: bad value for 'memory' (strings must be quoted)", "its line follows the file's");
    const char *dup = "name='a'\nkernel='k'\nmemory=64\nmemory=32\n";
    CHECK(domcfg_parse_extra("t.cfg", dup, strlen(dup), "vcpus=2\n", &d, err, sizeof(err)) == -1 &&
              !strcmp(err, "t.cfg:4: duplicate setting 'memory' (first on line 3)"),
          "duplicates inside the file are still refused: %s", err);
}

void test_cfg(void)
{
    test_pci();
    test_compat();
    test_modules();
    test_valid();
    test_defaults();
    test_bad();
    test_limits();
}
