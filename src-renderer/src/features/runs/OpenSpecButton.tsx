import { useSpecIntake } from '../launch/intake-context';
import { OpenIcon } from '../../ui/icons';

export function OpenSpecButton({ primary = false }: { primary?: boolean }) {
  const intake = useSpecIntake();
  return (
    <button type="button" className={primary ? 'button button-primary' : 'button'} onClick={intake.open}>
      <OpenIcon /> Open task spec…
    </button>
  );
}
