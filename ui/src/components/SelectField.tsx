interface Props {
  id: string;
  label: string;
  options: readonly (readonly [string, string])[];
  defaultValue: string;
}

/** A labelled <select>, read from its form when submitted (its `name` is its id). */
export function SelectField({ id, label, options, defaultValue }: Props) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name={id} defaultValue={defaultValue}>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}
