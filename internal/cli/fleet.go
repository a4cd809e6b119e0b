package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/hashpivot/hashpivot/fleet"
	"github.com/hashpivot/hashpivot/fleet/cgminer"
	"github.com/hashpivot/hashpivot/fleet/detect"
	"github.com/hashpivot/hashpivot/fleet/poll"
	"github.com/hashpivot/hashpivot/fleet/sim"
	"github.com/hashpivot/hashpivot/internal/progress"
	"github.com/spf13/cobra"
)

// Environment variables that carry miner credentials. Per firmware:
// HASHPIVOT_<FIRMWARE>_USER / _PASSWORD, FIRMWARE in upper case with '-'
// written '_' (HASHPIVOT_WHATSMINER_V3_PASSWORD).
const (
	envMinerUser     = "HASHPIVOT_MINER_USER"
	envMinerPassword = "HASHPIVOT_MINER_PASSWORD"
)

// maxCredentialsFile bounds the credentials file.
const maxCredentialsFile = 1 << 20

// fleetOpts are the flags shared by the fleet subcommands.
type fleetOpts struct {
	asJSON      bool
	timeout     time.Duration
	concurrency int
	credentials string
	firmware    string
	noDefaults  bool
	antminerWeb string // port of stock Antminers' web API, or "rpc"
}

func newFleetCmd(e *env) *cobra.Command {
	o := &fleetOpts{}
	cmd := &cobra.Command{
		Use:   "fleet",
		Short: "Scan, read and command miners: cgminer RPC, WhatsMiner, Braiins OS, LuxOS",
		Long: `Talk to the miners of a site over their own APIs. TARGETS are addresses
(10.0.0.5, 10.0.0.5:4028), port ranges (127.0.0.1:40000-41999), host ranges
(10.0.1.1-254), CIDR blocks (10.0.2.0/24) or @file (one target a line,
optionally followed by its firmware, as "fleet scan" prints it).

Credentials come from --credentials FILE or the environment
($HASHPIVOT_MINER_USER, $HASHPIVOT_MINER_PASSWORD, and per firmware
$HASHPIVOT_WHATSMINER_PASSWORD etc.), never from the command line, and are
never printed. Without any, the firmwares' factory logins are tried. See
docs/fleet.md.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return badInputf("fleet %q: unknown command; want scan, status, sleep, wake, power-target or reboot", args[0])
			}
			return cmd.Help()
		},
	}
	pf := cmd.PersistentFlags()
	pf.BoolVar(&o.asJSON, "json", false, "print JSON")
	pf.DurationVar(&o.timeout, "timeout", poll.DefaultTimeout, "per-device deadline (every exchange with one device)")
	pf.IntVar(&o.concurrency, "concurrency", poll.DefaultConcurrency, "devices asked at once")
	pf.StringVar(&o.credentials, "credentials", "", "YAML file of logins per firmware (see docs/fleet.md)")
	pf.StringVar(&o.firmware, "firmware", "", "skip detection: every target runs this firmware ("+strings.Join(detect.Firmwares, ", ")+")")
	pf.BoolVar(&o.noDefaults, "no-factory-logins", false, "do not fall back to the firmwares' factory logins")
	pf.StringVar(&o.antminerWeb, "antminer-web-port", "80", `port of stock Antminers' web API on each device's host (sleep, wake, work modes, reboot); "rpc": the RPC address itself (hashpivot sim serves both on one port)`)
	cmd.AddCommand(
		newFleetScanCmd(e, o),
		newFleetStatusCmd(e, o),
		newFleetControlCmd(e, o, "sleep", "Stop hashing (the device stays powered and answering)", func(ctx context.Context, m fleet.Miner) error { return m.Sleep(ctx) }),
		newFleetControlCmd(e, o, "wake", "Resume hashing", func(ctx context.Context, m fleet.Miner) error { return m.Wake(ctx) }),
		newFleetControlCmd(e, o, "reboot", "Reboot the devices", func(ctx context.Context, m fleet.Miner) error { return m.Reboot(ctx) }),
		newFleetPowerTargetCmd(e, o),
	)
	return cmd
}

func (o *fleetOpts) check() error {
	var errs []error
	if o.timeout <= 0 {
		errs = append(errs, fmt.Errorf("--timeout: must be > 0 (got %v)", o.timeout))
	}
	if o.concurrency < 1 || o.concurrency > 65536 {
		errs = append(errs, fmt.Errorf("--concurrency: must be in 1..65536 (got %d)", o.concurrency))
	}
	if o.antminerWeb != "rpc" {
		if p, err := strconv.Atoi(o.antminerWeb); err != nil || p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf(`--antminer-web-port: want a port in 1..65535 or "rpc" (got %q)`, o.antminerWeb))
		}
	}
	if o.firmware != "" && !slices.Contains(detect.Firmwares, o.firmware) {
		errs = append(errs, fmt.Errorf("--firmware: must be one of %s (got %q)", strings.Join(detect.Firmwares, ", "), o.firmware))
	}
	return badInput(errors.Join(errs...))
}

// fleetCtx is the command's context, ended by Ctrl-C or SIGTERM.
func fleetCtx(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

// credentialSet is the parsed credentials file: a default and per-firmware
// logins.
type credentialSet map[string]fleet.Credentials

// loadCredentials reads the credentials file. Its messages never quote the
// file's text (go-yaml's excerpts would show a password).
func loadCredentials(path string) (credentialSet, error) {
	out := credentialSet{}
	if path == "" {
		return out, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, badInputf("--credentials: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCredentialsFile+1))
	if err != nil {
		return nil, badInputf("--credentials %s: %v", path, err)
	}
	return parseCredentials(data, path)
}

// parseCredentials decodes a credentials file's bytes; path names it in
// messages.
func parseCredentials(data []byte, path string) (credentialSet, error) {
	out := credentialSet{}
	if len(data) > maxCredentialsFile {
		return nil, badInputf("--credentials %s: larger than %d bytes", path, maxCredentialsFile)
	}
	var raw map[string]struct {
		User     string `yaml:"user"`
		Password string `yaml:"password"`
	}
	if err := yaml.UnmarshalWithOptions(data, &raw, yaml.Strict(), yaml.DisallowUnknownField()); err != nil {
		return nil, badInputf("--credentials %s: %s", path, safeYAMLError(err))
	}
	var errs []error
	for key, c := range raw {
		if key != "default" && !slices.Contains(detect.Firmwares, key) {
			errs = append(errs, fmt.Errorf("%s: unknown key; want default or one of %s", key, strings.Join(detect.Firmwares, ", ")))
			continue
		}
		out[key] = fleet.Credentials{User: c.User, Password: c.Password}
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
		return nil, badInputf("--credentials %s: %w", path, errors.Join(errs...))
	}
	return out, nil
}

// safeYAMLError keeps the position and the kind of a go-yaml error and
// drops the source excerpt and any quoted value.
func safeYAMLError(err error) string {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	pos := ""
	if strings.HasPrefix(msg, "[") {
		if end := strings.IndexByte(msg, ']'); end > 0 {
			pos = "line:column " + msg[1:end] + ": "
			msg = strings.TrimSpace(msg[end+1:])
		}
	}
	switch {
	case strings.Contains(msg, "unknown field"):
		if i := strings.IndexByte(msg, '"'); i >= 0 {
			return pos + "unknown key " + msg[i:] + "; want user and password"
		}
		return pos + "unknown key; want user and password"
	case strings.Contains(msg, "duplicate"):
		return pos + "duplicate key"
	}
	return pos + "not a YAML map of firmware: {user, password}"
}

// resolver returns the login for a firmware: the per-firmware entry beats
// the default; within one level the environment beats the file; without
// any, the factory login (unless --no-factory-logins).
func (o *fleetOpts) resolver(file credentialSet, getenv func(string) string) func(string) fleet.Credentials {
	return func(fw string) fleet.Credentials {
		envName := "HASHPIVOT_" + strings.ToUpper(strings.ReplaceAll(fw, "-", "_"))
		pick := func(envUser, envPass string, fc fleet.Credentials, ok bool) (fleet.Credentials, bool) {
			u, p := getenv(envUser), getenv(envPass)
			if u != "" || p != "" {
				if u == "" {
					u = fc.User
				}
				if p == "" {
					p = fc.Password
				}
				return fleet.Credentials{User: u, Password: p}, true
			}
			return fc, ok
		}
		fc, ok := file[fw]
		if c, found := pick(envName+"_USER", envName+"_PASSWORD", fc, ok); found {
			if c.User == "" {
				c.User = sim.Credentials(fw).User
			}
			return c
		}
		dc, ok := file["default"]
		if c, found := pick(envMinerUser, envMinerPassword, dc, ok); found {
			if c.User == "" {
				c.User = sim.Credentials(fw).User
			}
			return c
		}
		if o.noDefaults {
			return fleet.Credentials{}
		}
		return sim.Credentials(fw) // the vendors' factory logins
	}
}

// detectOptions reads the credentials and starts the cgminer Transport
// (where the system has one): call the returned function when done.
func (o *fleetOpts) detectOptions() (detect.Options, func(), error) {
	file, err := loadCredentials(o.credentials)
	if err != nil {
		return detect.Options{}, nil, err
	}
	dopt := detect.Options{Timeout: o.timeout, Credentials: o.resolver(file, os.Getenv)}
	if o.antminerWeb == "rpc" {
		dopt.AntminerWeb = func(rpc string) string { return rpc }
	} else {
		port := o.antminerWeb
		dopt.AntminerWeb = func(rpc string) string {
			host, _, err := net.SplitHostPort(rpc)
			if err != nil {
				return rpc
			}
			return net.JoinHostPort(host, port)
		}
	}
	if os.Getenv("GOGC") == "" {
		// A site's poll allocates a few KB a device, most of it garbage
		// by the next device: collect a quarter as often (one poll of
		// 100,000 devices: 0.35 s less CPU, 150 -> 180 MB peak).
		debug.SetGCPercent(400)
	}
	if tr, err := cgminer.NewTransport(0); err == nil {
		dopt.Transport = tr
	}
	return dopt, func() { dopt.Transport.Close() }, nil
}

// fleetRun is what every fleet subcommand starts from: its targets, the
// detection options (credentials, transport) and a context that Ctrl-C
// cancels; close releases the transport and the signal handler.
type fleetRun struct {
	targets []poll.Target
	dopt    detect.Options
	ctx     context.Context
	close   func()
}

// start checks the flags, reads the targets and prepares a run.
func (o *fleetOpts) start(cmd *cobra.Command, args []string) (*fleetRun, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	targets, err := parseFleetTargets(args)
	if err != nil {
		return nil, err
	}
	dopt, done, err := o.detectOptions()
	if err != nil {
		return nil, err
	}
	ctx, stop := fleetCtx(cmd)
	return &fleetRun{targets: targets, dopt: dopt, ctx: ctx, close: func() { stop(); done() }}, nil
}

func parseFleetTargets(args []string) ([]poll.Target, error) {
	if len(args) == 0 {
		return nil, badInputf("no TARGETS: give addresses, ranges or @file")
	}
	ts, err := poll.ParseTargets(args, nil)
	if err != nil {
		return nil, badInput(err)
	}
	for _, t := range ts {
		if t.Firmware != "" && !slices.Contains(detect.Firmwares, t.Firmware) {
			return nil, badInputf("target %s: firmware %q: want one of %s", t.Addr, t.Firmware, strings.Join(detect.Firmwares, ", "))
		}
	}
	return ts, nil
}

func (o *fleetOpts) bar(e *env, label string, n int) *progress.Bar {
	return progress.New(e.stderr, label, int64(n), !o.asJSON && e.stderrIsTerminal())
}

// open returns each target's driver, detecting firmwares the targets do
// not name. A target that cannot be identified gets a nil miner and its
// error.
func (o *fleetOpts) open(ctx context.Context, e *env, targets []poll.Target, dopt detect.Options) ([]fleet.Miner, []error) {
	miners := make([]fleet.Miner, len(targets))
	errs := make([]error, len(targets))
	var bar *progress.Bar
	need := 0
	for _, t := range targets {
		if t.Firmware == "" && o.firmware == "" {
			need++
		}
	}
	if need > 0 {
		bar = o.bar(e, "detect", need)
	}
	po := poll.Options{Concurrency: o.concurrency, Timeout: o.timeout}
	poll.Each(ctx, len(targets), po, func(ctx context.Context, i int) {
		t := targets[i]
		// A firmware named by a targets file or --firmware is driven at
		// the address given (a scan prints each driver's address).
		r := detect.Result{Address: t.Addr, Firmware: t.Firmware, Via: "given"}
		if r.Firmware == "" {
			r.Firmware = o.firmware
		}
		if r.Firmware == "" {
			var err error
			r, err = detect.Identify(ctx, t.Addr, dopt)
			bar.Add(1)
			if err != nil {
				errs[i] = err
				return
			}
		}
		miners[i], errs[i] = detect.Open(r, dopt)
	})
	bar.Finish()
	for i := range errs {
		if miners[i] == nil && errs[i] == nil {
			errs[i] = ctx.Err()
		}
	}
	return miners, errs
}

// scanRow is one device found by fleet scan.
type scanRow struct {
	Address  string `json:"address"`
	Firmware string `json:"firmware"`
	Model    string `json:"model"`
}

type scanFailure struct {
	Address string `json:"address"`
	Error   string `json:"error"`
}

func newFleetScanCmd(e *env, o *fleetOpts) *cobra.Command {
	return &cobra.Command{
		Use:   "scan TARGETS...",
		Short: "Find and identify every device on address ranges",
		Long: `Probe every address and name the firmware that answers. Addresses where
nothing listens are counted, not listed; addresses that answer with
something unknown are listed as unrecognised. The text output is a targets
file: "hashpivot fleet scan 10.0.1.1-254 > site.txt; hashpivot fleet status @site.txt".`,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := o.start(cmd, args)
			if err != nil {
				return err
			}
			defer r.close()
			ctx, targets, dopt := r.ctx, r.targets, r.dopt
			res := make([]detect.Result, len(targets))
			errs := make([]error, len(targets))
			bar := o.bar(e, "scan", len(targets))
			poll.Each(ctx, len(targets), poll.Options{Concurrency: o.concurrency, Timeout: o.timeout, Done: func() { bar.Add(1) }},
				func(ctx context.Context, i int) { res[i], errs[i] = detect.Identify(ctx, targets[i].Addr, dopt) })
			bar.Finish()
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("fleet scan: %w", err)
			}
			out := struct {
				Scanned      int           `json:"scanned"`
				Found        int           `json:"found"`
				Silent       int           `json:"silent"`
				Devices      []scanRow     `json:"devices"`
				Unrecognised []scanFailure `json:"unrecognised"`
			}{Scanned: len(targets), Devices: []scanRow{}, Unrecognised: []scanFailure{}}
			for i, r := range res {
				switch {
				case errs[i] == nil:
					out.Devices = append(out.Devices, scanRow{r.DriverAddress(), r.Firmware, r.Model})
				case errors.Is(errs[i], detect.ErrUnknown):
					out.Unrecognised = append(out.Unrecognised, scanFailure{targets[i].Addr, errs[i].Error()})
				default:
					out.Silent++
				}
			}
			out.Found = len(out.Devices)
			if o.asJSON {
				return writeFleetJSON(e.stdout, out)
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			for _, d := range out.Devices {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", d.Address, d.Firmware, d.Model)
			}
			for _, u := range out.Unrecognised {
				fmt.Fprintf(tw, "# %s\tunrecognised\t%s\n", u.Address, u.Error)
			}
			fmt.Fprintf(tw, "# scanned %d, found %d, unrecognised %d, silent %d\n", out.Scanned, out.Found, len(out.Unrecognised), out.Silent)
			return tw.Flush()
		},
	}
}

// statusRow is one device in `fleet status --json`; the keys are the
// issue's contract.
type statusRow struct {
	Address     string    `json:"address"`
	Firmware    string    `json:"firmware"`
	Model       string    `json:"model"`
	HashrateTH  float64   `json:"hashrate_th"`
	PowerW      float64   `json:"power_w"`
	PowerLimitW float64   `json:"power_limit_w"`
	TempsC      []float64 `json:"temps_c"`
	FansRPM     []int     `json:"fans_rpm"`
	Mode        string    `json:"mode"`
	Errors      []string  `json:"errors"`
	OK          bool      `json:"ok"`
	Error       string    `json:"error"`
}

type statusTotals struct {
	Devices    int     `json:"devices"`
	OK         int     `json:"ok"`
	HashrateTH float64 `json:"hashrate_th"`
	PowerW     float64 `json:"power_w"`
}

type statusReport struct {
	Devices []statusRow  `json:"devices"`
	Totals  statusTotals `json:"totals"`
}

// finite keeps NaN and ±Inf out of JSON (a device may report anything).
func finiteOrZero(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

func buildFleetStatus(targets []poll.Target, miners []fleet.Miner, openErrs []error, results []poll.Result) statusReport {
	rep := statusReport{Devices: make([]statusRow, len(targets))}
	for i, t := range targets {
		row := statusRow{Address: t.Addr, Firmware: t.Firmware, TempsC: []float64{}, FansRPM: []int{}, Errors: []string{}, Mode: string(fleet.ModeUnknown)}
		err := openErrs[i]
		if miners[i] != nil {
			row.Firmware = miners[i].Firmware()
			err = results[i].Err
		}
		if err != nil {
			row.Error = err.Error()
		} else {
			st := results[i].Status
			row.OK = true
			row.Model = st.Model
			row.HashrateTH = finiteOrZero(st.HashrateTH)
			row.PowerW = finiteOrZero(st.PowerW)
			row.PowerLimitW = finiteOrZero(st.PowerLimitW)
			for _, c := range st.TempsC {
				row.TempsC = append(row.TempsC, finiteOrZero(c))
			}
			row.FansRPM = append(row.FansRPM, st.FansRPM...)
			row.Errors = append(row.Errors, st.Errors...)
			if st.Mode != "" {
				row.Mode = string(st.Mode)
			}
			rep.Totals.OK++
			rep.Totals.HashrateTH += row.HashrateTH
			rep.Totals.PowerW += row.PowerW
		}
		rep.Devices[i] = row
	}
	rep.Totals.Devices = len(targets)
	return rep
}

func newFleetStatusCmd(e *env, o *fleetOpts) *cobra.Command {
	return &cobra.Command{
		Use:   "status TARGETS...",
		Short: "Read every device: hashrate, power, temperatures, fans, mode, errors; and site totals",
		Long: `Read every device at once (--concurrency at a time, each within --timeout)
and print one row per device and the site totals. Exit code 1 when no device
answered.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := o.start(cmd, args)
			if err != nil {
				return err
			}
			defer r.close()
			ctx, targets, dopt := r.ctx, r.targets, r.dopt
			dopt.NoPools = true // status reports no pools: one command per cgminer device
			miners, openErrs := o.open(ctx, e, targets, dopt)
			results := make([]poll.Result, len(targets))
			bar := o.bar(e, "status", len(targets))
			poll.Each(ctx, len(targets), poll.Options{Concurrency: o.concurrency, Timeout: o.timeout, Done: func() { bar.Add(1) }},
				func(ctx context.Context, i int) {
					if miners[i] == nil {
						return
					}
					st, err := miners[i].Status(ctx)
					results[i] = poll.Result{Address: targets[i].Addr, Status: st, Err: err}
				})
			bar.Finish()
			for i := range results {
				if miners[i] != nil && results[i].Err == nil && results[i].Address == "" {
					results[i].Err = fmt.Errorf("not polled: %w", context.Cause(ctx))
				}
			}
			rep := buildFleetStatus(targets, miners, openErrs, results)
			if o.asJSON {
				err = writeStatusJSON(e.stdout, rep)
			} else {
				err = printFleetStatus(e.stdout, rep)
			}
			if err != nil {
				return err
			}
			if rep.Totals.OK == 0 {
				return fmt.Errorf("fleet status: none of %d devices answered", rep.Totals.Devices)
			}
			return nil
		},
	}
}

func printFleetStatus(w io.Writer, rep statusReport) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "address\tfirmware\tmodel\tTH/s\tW\tlimit W\tmax °C\tfans\tmode\t")
	for _, r := range rep.Devices {
		if !r.OK {
			fmt.Fprintf(tw, "%s\t%s\t\t\t\t\t\t\t%s\t%s\n", r.Address, r.Firmware, "error", r.Error)
			continue
		}
		hot := ""
		if len(r.TempsC) > 0 {
			hot = strconv.FormatFloat(slices.Max(r.TempsC), 'f', 1, 64)
		}
		fans := make([]string, len(r.FansRPM))
		for i, f := range r.FansRPM {
			fans[i] = strconv.Itoa(f)
		}
		note := strings.Join(r.Errors, " ")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%.0f\t%.0f\t%s\t%s\t%s\t%s\n", r.Address, r.Firmware, r.Model,
			r.HashrateTH, r.PowerW, r.PowerLimitW, hot, strings.Join(fans, "/"), r.Mode, note)
	}
	fmt.Fprintf(tw, "total: %d devices, %d ok\t\t\t%.2f\t%.0f\t\t\t\t\t\n", rep.Totals.Devices, rep.Totals.OK, rep.Totals.HashrateTH, rep.Totals.PowerW)
	return tw.Flush()
}

// commandRow is one device's answer to a command.
type commandRow struct {
	Address  string `json:"address"`
	Firmware string `json:"firmware"`
	OK       bool   `json:"ok"`
	Error    string `json:"error"`
}

func newFleetControlCmd(e *env, o *fleetOpts, name, short string, do func(context.Context, fleet.Miner) error) *cobra.Command {
	return &cobra.Command{
		Use:   name + " TARGETS...",
		Short: short,
		Long:  short + ". Exit code 1 when any device did not take the command.",
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.runCommand(cmd, e, name, args, do)
		},
	}
}

func newFleetPowerTargetCmd(e *env, o *fleetOpts) *cobra.Command {
	var watts float64
	cmd := &cobra.Command{
		Use:   "power-target --watts W TARGETS...",
		Short: "Set each device's power target in watts (Avalon, LuxOS, stock Antminer: the nearest level not above it)",
		Long: `Set each device's power target. Exit code 1 when any device did not take it.
Avalon, LuxOS and stock Antminer firmware have levels, profiles or work modes
rather than a free target: the most powerful one not above --watts is set, and
a target below all of them fails (sleep such a device instead).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("watts") {
				return badInputf("--watts: required")
			}
			if math.IsNaN(watts) || watts <= 0 || watts > 1e6 {
				return badInputf("--watts: must be in (0, 1000000] (got %v)", watts)
			}
			return o.runCommand(cmd, e, "power-target", args, func(ctx context.Context, m fleet.Miner) error {
				return m.SetPowerTarget(ctx, watts)
			})
		},
	}
	cmd.Flags().Float64Var(&watts, "watts", 0, "power target per device, W")
	return cmd
}

func (o *fleetOpts) runCommand(cmd *cobra.Command, e *env, name string, args []string, do func(context.Context, fleet.Miner) error) error {
	r, err := o.start(cmd, args)
	if err != nil {
		return err
	}
	defer r.close()
	ctx, targets := r.ctx, r.targets
	miners, errs := o.open(ctx, e, targets, r.dopt)
	bar := o.bar(e, name, len(targets))
	poll.Each(ctx, len(targets), poll.Options{Concurrency: o.concurrency, Timeout: o.timeout, Done: func() { bar.Add(1) }},
		func(ctx context.Context, i int) {
			if miners[i] != nil {
				errs[i] = do(ctx, miners[i])
			}
		})
	bar.Finish()
	rows := make([]commandRow, len(targets))
	okCount := 0
	for i, t := range targets {
		rows[i] = commandRow{Address: t.Addr, Firmware: t.Firmware, OK: errs[i] == nil && miners[i] != nil}
		if miners[i] != nil {
			rows[i].Firmware = miners[i].Firmware()
		}
		if errs[i] != nil {
			rows[i].Error = errs[i].Error()
		} else if miners[i] == nil {
			rows[i].Error = "not reached"
		}
		if rows[i].OK {
			okCount++
		}
	}
	if o.asJSON {
		err = writeFleetJSON(e.stdout, struct {
			Command string       `json:"command"`
			Devices []commandRow `json:"devices"`
			Totals  struct {
				Devices int `json:"devices"`
				OK      int `json:"ok"`
			} `json:"totals"`
		}{Command: name, Devices: rows, Totals: struct {
			Devices int `json:"devices"`
			OK      int `json:"ok"`
		}{len(rows), okCount}})
	} else {
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		for _, r := range rows {
			status := "ok"
			if !r.OK {
				status = "failed: " + r.Error
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Address, r.Firmware, status)
		}
		fmt.Fprintf(tw, "# %s: %d of %d devices ok\n", name, okCount, len(rows))
		err = tw.Flush()
	}
	if err != nil {
		return err
	}
	if okCount < len(rows) {
		return fmt.Errorf("fleet %s: %d of %d devices failed", name, len(rows)-okCount, len(rows))
	}
	return nil
}

// writeFleetJSON writes v indented; NaN never reaches it (rows use finite).
func writeFleetJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeStatusJSON writes the status report with the bytes encoding/json
// gives each value (keys, numbers, escapes), one device a line: for a site
// of 100,000 devices, without reflection or an indentation pass.
func writeStatusJSON(w io.Writer, rep statusReport) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	b := make([]byte, 0, 1024)
	_, _ = bw.WriteString("{\n  \"devices\": [\n")
	for i := range rep.Devices {
		b = append(b[:0], "    "...)
		b = appendStatusRow(b, &rep.Devices[i])
		if i < len(rep.Devices)-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		_, _ = bw.Write(b)
	}
	totals, err := json.Marshal(rep.Totals)
	if err != nil {
		return err
	}
	_, _ = bw.WriteString("  ],\n  \"totals\": ")
	_, _ = bw.Write(totals)
	_, _ = bw.WriteString("\n}\n")
	return bw.Flush()
}

// appendStatusRow appends r as json.Marshal writes a statusRow.
func appendStatusRow(b []byte, r *statusRow) []byte {
	b = append(b, `{"address":`...)
	b = appendJSONString(b, r.Address)
	b = append(b, `,"firmware":`...)
	b = appendJSONString(b, r.Firmware)
	b = append(b, `,"model":`...)
	b = appendJSONString(b, r.Model)
	b = append(b, `,"hashrate_th":`...)
	b = appendJSONFloat(b, r.HashrateTH)
	b = append(b, `,"power_w":`...)
	b = appendJSONFloat(b, r.PowerW)
	b = append(b, `,"power_limit_w":`...)
	b = appendJSONFloat(b, r.PowerLimitW)
	b = append(b, `,"temps_c":`...)
	b = appendJSONList(b, r.TempsC, appendJSONFloat)
	b = append(b, `,"fans_rpm":`...)
	b = appendJSONList(b, r.FansRPM, func(b []byte, f int) []byte { return strconv.AppendInt(b, int64(f), 10) })
	b = append(b, `,"mode":`...)
	b = appendJSONString(b, r.Mode)
	b = append(b, `,"errors":`...)
	b = appendJSONList(b, r.Errors, appendJSONString)
	b = append(b, `,"ok":`...)
	b = strconv.AppendBool(b, r.OK)
	b = append(b, `,"error":`...)
	b = appendJSONString(b, r.Error)
	return append(b, '}')
}

// appendJSONFloat writes f as encoding/json does (shortest form, exponent
// below 1e-6 and from 1e21). f is finite: rows pass through finiteOrZero.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendJSONString writes s as encoding/json does by default: quotes,
// backslash and control characters escaped, <, > and & as \u escapes,
// invalid UTF-8 as U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendJSONList appends xs as a JSON array of elements written by elem,
// or null for a nil slice, as encoding/json does.
func appendJSONList[T any](b []byte, xs []T, elem func([]byte, T) []byte) []byte {
	if xs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = elem(b, x)
	}
	return append(b, ']')
}
