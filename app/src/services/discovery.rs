//! The discovery capability a maker pastes into their skill for one approved slot.

use crate::models::replenishment::{Measurement, SensorType};
use serde_json::{json, Value};

fn interface(sensor: SensorType) -> &'static str {
    match sensor {
        SensorType::Level => "Alexa.InventoryLevelSensor",
        SensorType::Usage => "Alexa.InventoryUsageSensor",
        SensorType::LevelUsage => "Alexa.InventoryLevelUsageSensor",
    }
}

/// The capability object: the sensor's interface, the slot ID as its instance, a friendly name per
/// `(locale, name)`, the measurement and the replenishment ID.
pub fn capability(
    slot_id: &str,
    sensor: SensorType,
    measurement: &Measurement,
    names: &[(String, String)],
    replenishment_id: &str,
) -> Value {
    let friendly_names: Vec<Value> = names
        .iter()
        .map(|(locale, text)| json!({ "@type": "text", "value": { "text": text, "locale": locale } }))
        .collect();
    let measurement = match measurement.alexa_unit() {
        Some(unit) => json!({ "@type": measurement.kind(), "unit": unit }),
        None => json!({ "@type": measurement.kind() }),
    };
    let mut capability = json!({
        "type": "AlexaInterface",
        "interface": interface(sensor),
        "version": "3",
        "instance": slot_id,
        "capabilityResources": { "friendlyNames": friendly_names },
        "configuration": {
            "measurement": measurement,
            "replenishment": { "@type": "DashReplenishmentId", "value": replenishment_id }
        }
    });
    // A level sensor reports a property (`level`); the other two report events and declare none.
    if sensor == SensorType::Level {
        capability["properties"] =
            json!({ "supported": [{ "name": "level" }], "proactivelyReported": true, "retrievable": true });
    }
    capability
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_sensor_in_litres_names_its_slot_unit_and_id() {
        let names = [
            ("en-US".to_owned(), "Water filter".to_owned()),
            ("de-DE".to_owned(), "Wasserfilter".to_owned()),
        ];
        let value = capability(
            "filter-1",
            SensorType::Level,
            &Measurement::Volume { unit: "L".into() },
            &names,
            "arn:alexa:smarthome:drs:sensor:abc",
        );
        assert_eq!(value["interface"], "Alexa.InventoryLevelSensor");
        assert_eq!(value["instance"], "filter-1");
        assert_eq!(value["configuration"]["measurement"], json!({ "@type": "Volume", "unit": "LITER" }));
        assert_eq!(
            value["configuration"]["replenishment"],
            json!({ "@type": "DashReplenishmentId", "value": "arn:alexa:smarthome:drs:sensor:abc" })
        );
        assert_eq!(value["capabilityResources"]["friendlyNames"][1]["value"]["locale"], "de-DE");
        assert_eq!(value["properties"]["supported"], json!([{ "name": "level" }]));
    }

    #[test]
    fn a_count_has_no_unit_and_each_sensor_type_has_its_interface() {
        let value = capability("s", SensorType::Usage, &Measurement::Count, &[], "id");
        assert_eq!(value["configuration"]["measurement"], json!({ "@type": "Count" }));
        assert_eq!(value["interface"], "Alexa.InventoryUsageSensor");
        assert!(value.get("properties").is_none(), "usage is reported as events");
        let value = capability("s", SensorType::LevelUsage, &Measurement::Percentage, &[], "id");
        assert_eq!(value["interface"], "Alexa.InventoryLevelUsageSensor");
    }
}
