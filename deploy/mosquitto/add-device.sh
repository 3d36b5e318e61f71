#!/bin/sh
# Add a device's MQTT account, or rotate its password, in mosquitto's password file.
#
#   add-device.sh DEVICE_ID [PASSWORD_FILE]     (the password is read from standard input)
#
#   printf '%s' "$TOKEN" | deploy/mosquitto/add-device.sh UWL-UP-001 /etc/mosquitto/cityops.passwd
#   sudo systemctl reload mosquitto             (SIGHUP: re-read passwords and the ACL)
#
# The username is the CityOps device id: cityops.acl lets user <id> publish only to
# cityops/devices/<id>/telemetry, which is also the topic CityOps reads the device id from.
# The password is the device's CityOps device token (one secret per device for HTTP and MQTT),
# or a separate secret when the device should not be able to post over HTTP.
#
# Rotation: issue a new token (POST /api/v1/devices/<id>/token) or secret, run this script again
# with it (the entry is replaced), reload mosquitto. The old password is refused from the next
# connect on; a session already connected stays up until it disconnects (restart mosquitto to
# cut it off at once: sessions and queued messages persist across the restart).
# The platform's own account is added the same way: add-device.sh cityops-ingest.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 DEVICE_ID [PASSWORD_FILE]  (password on standard input)" >&2
    exit 2
fi
device=$1
file=${2:-/etc/mosquitto/cityops.passwd}

case $device in
    "" | *[!A-Za-z0-9._-]*)
        # '/', '+' and '#' would change the topic the ACL pattern grants; ':' breaks the file.
        echo "$0: device id '$device' may hold only letters, digits, '.', '_' and '-'" >&2
        exit 2
        ;;
esac

IFS= read -r password || true  # a last line without a newline still counts
if [ -z "$password" ]; then
    echo "$0: no password on standard input" >&2
    exit 2
fi

if [ -e "$file" ]; then
    mosquitto_passwd -b "$file" "$device" "$password"
else
    (umask 077 && mosquitto_passwd -c -b "$file" "$device" "$password")
fi
# Mosquitto reads the file after dropping root for its own user: that user must own it.
if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then
    chown mosquitto:mosquitto "$file"
fi
echo "$device: credentials set in $file; reload mosquitto (SIGHUP) to apply"
