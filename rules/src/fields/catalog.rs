//! The fields rtsec knows, as a listing for people (`rtsec fields`, like `falco --list`).

use serde::Serialize;

use super::{ArgSpec, TABLE, Ty, docs};

/// A field conditions and outputs can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FieldInfo {
    /// `proc.aname`.
    pub name: &'static str,
    /// The part before the first dot (`proc`), as Falco groups its fields.
    pub class: &'static str,
    /// What may follow the name: `[N]`, `[NAME]`, `[KEY]`, `.NAME`.
    pub argument: Option<&'static str>,
    /// Whether the field is usable only with its argument.
    pub argument_required: bool,
    /// How its values compare and print: `string`, `int64`, `uint64`, `bool`, `ipaddr`,
    /// `ipnet`, `bytebuf`, or `per argument` (`evt.rawarg`).
    #[serde(rename = "type")]
    pub ty: &'static str,
    pub description: &'static str,
}

impl FieldInfo {
    /// The name with its argument as it is written: `proc.aname[N]`, `evt.arg.NAME`.
    pub fn usage(&self) -> String {
        format!("{}{}", self.name, self.argument.unwrap_or(""))
    }
}

/// Every built-in field, in the order of their classes (`evt`, `proc`, `fd`, …). Fields of
/// falco.yaml's `static_fields` (`static.NAME`) are not among them: their names come from
/// the configuration.
pub fn field_list() -> impl Iterator<Item = FieldInfo> {
    TABLE.iter().map(|&(name, id, ty, arg)| {
        let (argument, argument_required) = match arg {
            ArgSpec::None => (None, false),
            ArgSpec::OptIndex => (Some("[N]"), false),
            ArgSpec::OptKey => (Some("[NAME]"), false),
            ArgSpec::DotKey => (Some("[KEY]"), true),
            ArgSpec::Key => (Some("[KEY]"), true),
            ArgSpec::EvtArg => (Some(".NAME"), true),
        };
        FieldInfo {
            name,
            class: name.split('.').next().unwrap_or(name),
            argument,
            argument_required,
            ty: type_name(ty),
            description: docs::describe(id),
        }
    })
}

/// Whether `text` names a built-in field, written as rules and alerts' output fields write it:
/// `proc.name`, `proc.aname[2]`, `evt.arg.fd`, `container.label.app` (resolved as a
/// condition's field is).
pub fn is_field(text: &str) -> bool {
    let (name, arg) = match text.split_once('[') {
        Some((name, rest)) => match rest.strip_suffix(']') {
            Some(arg) => (name, Some(arg)),
            None => return false,
        },
        None => (text, None),
    };
    super::resolve(name, arg, &super::StaticFields::new()).is_ok()
}

/// What `static.NAME` fields are (falco.yaml's `static_fields`), under the name `static`: the
/// configuration names them.
pub fn static_field_info() -> FieldInfo {
    FieldInfo {
        name: "static",
        class: "static",
        argument: None,
        argument_required: false,
        ty: type_name(Ty::Str),
        description: docs::describe(super::FieldId::Static),
    }
}

fn type_name(ty: Ty) -> &'static str {
    match ty {
        Ty::Str => "string",
        Ty::I64 => "int64",
        Ty::U64 => "uint64",
        Ty::Bool => "bool",
        Ty::Ip => "ipaddr",
        Ty::Net => "ipnet",
        Ty::Bytes => "bytebuf",
        Ty::Dyn => "per argument",
    }
}

#[cfg(test)]
mod tests {
    use super::super::{StaticFields, resolve};
    use super::*;

    /// The listing's argument forms, with a value each takes.
    fn sample(argument: &str, name: &str) -> (String, Option<&'static str>) {
        match argument {
            "[N]" => (name.to_string(), Some("1")),
            "[NAME]" => (name.to_string(), Some("HOME")),
            "[KEY]" => (name.to_string(), Some("app")),
            ".NAME" => (format!("{name}.fd"), None),
            other => panic!("{name}: argument {other} has no sample"),
        }
    }

    #[test]
    fn every_listed_field_resolves_as_listed() {
        let none = StaticFields::new();
        let fields: Vec<FieldInfo> = field_list().collect();
        assert_eq!(fields.len(), TABLE.len());
        for f in &fields {
            assert!(!f.description.is_empty(), "{}", f.name);
            assert!(f.name.starts_with(f.class), "{}", f.name);
            match f.argument {
                None => {
                    resolve(f.name, None, &none).unwrap_or_else(|e| panic!("{}: {}", f.name, e.0));
                }
                Some(a) => {
                    let (name, arg) = sample(a, f.name);
                    resolve(&name, arg, &none).unwrap_or_else(|e| panic!("{}: {}", f.usage(), e.0));
                    assert_eq!(
                        resolve(f.name, None, &none).is_err(),
                        f.argument_required,
                        "{}: is its argument required?",
                        f.name
                    );
                }
            }
        }
        let aname = fields.iter().find(|f| f.name == "proc.aname").unwrap();
        assert_eq!(aname.usage(), "proc.aname[N]");
        assert_eq!(aname.ty, "string");
    }
}
